"""The rebuild forgets every kept count in the transaction that swaps its tables in, on every attempt:
a switch that found the tables busy and tried again used to commit the new tables with the old kept
counts still valid (the first attempt's rollback had undone the forgetting)."""

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bench.generated_events import province_envelopes
from services.reporting import bulk_tables, count_cache
from services.reporting.orm import KeptCount
from services.reporting.use_cases import apply_events
from shared.rules.admin_units import admin_units
from tests.unit.test_kept_count_families import METRICS, reports


class BusyOnce:
    """The session as the switch sees it: the tables' lock refused once; PostgreSQL's statements
    (``SET LOCAL``, ``LOCK TABLE``) pass by SQLite."""

    def __init__(self, session) -> None:
        self.session, self.locks = session, 0

    def execute(self, statement, *args, **kwargs):
        sql = str(statement)
        if sql.startswith("LOCK TABLE"):
            self.locks += 1
            if self.locks == 1:
                raise OperationalError(sql, {}, Exception("canceling statement due to lock timeout"))
        if sql.startswith(("SET LOCAL", "LOCK TABLE")):
            return None
        return self.session.execute(statement, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.session, name)


def test_a_switch_that_tries_again_still_forgets_every_kept_count(session):
    apply_events(session, province_envelopes(12, admin_units()), METRICS)
    reports(session, keep=True)
    assert session.scalar(select(func.count()).select_from(KeptCount)) > 0
    busy = BusyOnce(session)
    bulk_tables.switch(busy, [], also=count_cache.forget_all)
    assert busy.locks == 2
    assert session.scalar(select(func.count()).select_from(KeptCount)) == 0
