"""The platform as ``make run`` starts it, on its default SQLite and on PostgreSQL, used as people use
it: 10 callers writing 2,000 records at once across the registry, health and education while the
followers catch up and reporting projects. Every call is answered, every record is in the view once,
and one SIGTERM to the process group stops all five within 5 s."""

from datetime import date, timedelta

import pytest
from eventlet.greenpool import GreenPool
from sqlalchemy import create_engine, func, select, text

from tests.support.factories import make_birth, make_enrolment, make_vaccination
from tests.support.identities import cluster_proxy
from tests.support.platform import SERVICES, Platform, platform_env, sqlite_urls
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e
CALLERS = 10
BIRTHS_PER_CALLER = 100  # and 50 vaccinations and 50 enrolments: 200 writes per caller
STOP_SECONDS = 5


def one_callers_writes(caller: int) -> list[tuple[str, str, dict]]:
    """A birth, then for every other child a vaccination or an enrolment, sent while health and
    education may not have heard of the birth yet (they keep the record and judge it later)."""
    writes = []
    for n in range(BIRTHS_PER_CALLER):
        born = date(2021, 1, 1) + timedelta(days=(caller * BIRTHS_PER_CALLER + n) % 360)
        birth = make_birth(record_id=f"load-birth-{caller}-{n}", date_of_birth=born.isoformat())
        writes.append(("registry", "register_birth", birth))
        if n % 2 == 0:
            writes.append(("health", "record_vaccination", make_vaccination(
                birth["child_id"], record_id=f"load-vacc-{caller}-{n}",
                given_on=(born + timedelta(weeks=10)).isoformat())))
        else:
            writes.append(("education", "record_enrolment", make_enrolment(
                birth["child_id"], record_id=f"load-enrol-{caller}-{n}")))
    return writes


def write_all(config: dict, batches: list[list[tuple[str, str, dict]]]) -> list[str]:
    """Each caller sends its writes one after the other; the failures, as text (none expected)."""
    failures: list[str] = []

    def caller(writes):
        with cluster_proxy(config, timeout=30) as rpc:
            for service, method, record in writes:
                try:
                    getattr(getattr(rpc, service), method)(record)
                except Exception as error:  # every failure is reported, not only the first
                    failures.append(f"{service}.{method} {record['record_id']}: {error!r}"[:200])

    list(GreenPool(CALLERS).imap(caller, batches))
    return failures


def count_rows(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(text(table))).scalar_one()
    engine.dispose()
    return count


@pytest.mark.parametrize("database", ["sqlite (make run's default)", "postgresql"])
def test_ten_callers_writing_at_once_are_all_answered_and_each_record_counts_once(database, clean_infra,
                                                                                 tmp_path):
    urls = sqlite_urls(tmp_path) if database.startswith("sqlite") else {
        service: clean_infra.db_url(service) for service in SERVICES}
    platform = Platform(platform_env(clean_infra.amqp_uri, urls, CATCH_UP_INTERVAL="1"),
                        tmp_path / "run.log")
    platform.wait_up()
    config = {"AMQP_URI": clean_infra.amqp_uri}
    batches = [one_callers_writes(caller) for caller in range(CALLERS)]
    try:
        failures = write_all(config, batches)
        with cluster_proxy(config, timeout=30) as rpc:
            stats = wait_until(lambda: (s := rpc.reporting.view_stats())["processed_events"] >= 2000 and s,
                               120, "reporting to apply 2,000 events")
        wait_until(lambda: all(count_rows(urls[s], "known_children") == 1000
                               for s in ("health", "education")), 60,
                   "health and education to know the 1,000 children")
    finally:
        status, took, leftovers = platform.stop(within=STOP_SECONDS)
    assert failures == []
    assert stats == {"children": 1000, "registered": 1000, "processed_events": 2000}
    assert [count_rows(urls[s], "records") for s in ("registry", "health", "education")] == [1000, 500, 500]
    assert (status, leftovers) == (0, ""), f"stopped in {took:.1f} s"
    assert "Traceback" not in platform.log.read_text()
