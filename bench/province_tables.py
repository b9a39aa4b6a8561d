"""Reporting's tables for a generated province, built directly: each child's facts go through the
projections the service runs (``services.reporting.sources.PROJECTIONS``), collected in memory
instead of written one event at a time, and bulk-inserted in large transactions. Loading 250 k
children through the RPCs takes hours; this takes minutes and gives the same rows for
every source but referrals (``bench.province_facts``). The fact and processed-event tables stay
empty: the report reads only the projected rows.
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bench.province_facts import facts_by_child
from services.reporting.orm import CardPeriod, ChildView, ResidencePeriod
from services.reporting.repository import ReportingRepository
from services.reporting.sources import PROJECTIONS
from shared.contracts.facts import VOIDED, Fact
from shared.contracts.identity import RECORDED
from shared.rules.admin_units import AdminUnits
from shared.rules.clock import utc_now
from tools.province.calls import Call

CHILDREN_PER_TRANSACTION = 5000
LAST_EVENT = "record_voided"  # the registry projection then rewrites residences and cards too


class CollectedRows(ReportingRepository):
    """The repository the projections write to, holding one child's facts and gathering the rows
    they write instead of sending them to the database."""

    def __init__(self) -> None:
        super().__init__(session=None)  # type: ignore[arg-type]
        self.facts: dict[str, list[Fact]] = {}
        self.rows: dict[type, list[dict[str, Any]]] = defaultdict(list)

    def facts_for(self, child_id: str, source: str) -> list[Fact]:
        return self.facts.get(source, [])

    def provisional_records(self, child_id: str) -> list[Fact]:
        """Every source's provisional records and voids of the child (none in a generated province)."""
        return [f for facts in self.facts.values() for f in facts if f.event_type in (RECORDED, VOIDED)]

    def save_view(self, values: dict[str, Any]) -> None:
        self.rows[ChildView].append({**values, "updated_at": utc_now()})

    def replace_residences(self, child_id: str, rows: list[dict[str, Any]], first: bool) -> None:
        self.rows[ResidencePeriod] += rows

    def replace_cards(self, child_id: str, rows: list[dict[str, Any]], first: bool) -> None:
        self.rows[CardPeriod] += rows

    def _replace(self, model: type, child_id: str, rows: list[dict[str, Any]], first: bool) -> None:
        self.rows[model] += rows


def project_child(collected: CollectedRows, child_id: str, facts: dict[str, list[Fact]],
                  units: AdminUnits) -> None:
    collected.facts = facts
    for source, source_facts in facts.items():
        PROJECTIONS[source](collected, child_id, source_facts, LAST_EVENT, units)


def build(session: Session, calls: list[Call], units: AdminUnits) -> int:
    """Project every child of ``calls`` and insert the rows; returns how many rows were written."""
    written, collected = 0, CollectedRows()
    children = facts_by_child(calls, units)
    for i, (child_id, facts) in enumerate(children.items(), start=1):
        project_child(collected, child_id, facts, units)
        if i % CHILDREN_PER_TRANSACTION == 0 or i == len(children):
            written += flush(session, collected.rows)
            collected.rows.clear()
    return written


def flush(session: Session, rows: dict[type, list[dict[str, Any]]]) -> int:
    for model, model_rows in rows.items():
        if model_rows:
            session.execute(insert(model.__table__), model_rows)
    session.commit()
    return sum(map(len, rows.values()))
