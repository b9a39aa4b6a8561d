"""The reporting repository in memory, for the rebuild (issue 19): every fact and link read from the
producers' logs held in dicts, and the rows the projections write gathered per table and child
instead of sent to the database one statement at a time.

The projections and ``merging`` run on it unchanged (they read facts, links and members, and write
views and rows through the repository), so the rows are the ones the service writes event by event;
``rows()`` gives them for a bulk write. A child's rows are replaced as a whole, as in the database.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from services.reporting.orm import ChildView, MergedId
from services.reporting.repository import ReportingRepository
from shared.contracts.facts import VOIDED, Fact
from shared.contracts.identity import RECORDED
from shared.contracts.referrals import EVENTS as REFERRAL_EVENTS
from shared.rules.clock import utc_now


@dataclass(frozen=True)
class Link:
    """An ``identity_linked`` or ``identity_unlinked`` fact by the ids it names (``IdentityLink``)."""

    record_id: str
    provisional_id: str
    child_id: str


class MemoryRepository(ReportingRepository):
    def __init__(self) -> None:
        super().__init__(session=None)  # type: ignore[arg-type]
        self.facts: dict[str, list[Fact]] = defaultdict(list)  # child id -> its facts, every source
        self.stored: dict[tuple[str, str], Fact] = {}  # (source, record id) -> the first one stored
        self.links: dict[str, Link] = {}
        self.linked: dict[str, list[Link]] = defaultdict(list)  # id -> the links naming it
        self.views: dict[str, dict[str, Any]] = {}
        self.projected: dict[type, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
        self.merged: dict[str, str] = {}

    # What the log held.
    def hold(self, child_id: str, fact: Fact) -> bool:
        """Hold the child's fact (its payload loaded through its contract); False if a fact of that
        source and record id came first (it stays, as in the database)."""
        if (fact.source, fact.record_id) in self.stored:
            return False
        self.stored[(fact.source, fact.record_id)] = fact
        self.facts[child_id].append(fact)
        return True

    def add_link(self, record_id: str, provisional_id: str, child_id: str) -> None:
        if record_id not in self.links:
            link = self.links[record_id] = Link(record_id, provisional_id, child_id)
            self.linked[provisional_id].append(link)
            self.linked[child_id].append(link)

    # What the projections read.
    def _all(self, child_id: str) -> list[Fact]:
        members = self.members.get(child_id, [child_id])
        return [fact for member in members for fact in self.facts.get(member, [])]

    def facts_for(self, child_id: str, source: str) -> list[Fact]:
        return [fact for fact in self._all(child_id) if fact.source == source]

    def provisional_records(self, child_id: str) -> list[Fact]:
        return [fact for fact in self._all(child_id) if fact.event_type in (RECORDED, VOIDED)]

    def referral_facts(self, child_id: str) -> list[Fact]:
        return [fact for fact in self._all(child_id) if fact.event_type in (*REFERRAL_EVENTS, VOIDED)]

    def event_type_of(self, source: str, record_id: str) -> str | None:
        fact = self.stored.get((source, record_id))
        return fact.event_type if fact else None

    def links_touching(self, child_ids: set[str]) -> list[Link]:  # type: ignore[override]
        return list({link.record_id: link for child_id in child_ids for link in self.linked.get(child_id, [])
                     }.values())

    def registry_facts(self, record_ids: list[str]) -> list[Fact]:
        return [fact for r in record_ids if (fact := self.stored.get(("registry", r))) is not None]

    def lock_children(self, child_ids: set[str]) -> None:
        """Nothing to lock: the rebuild is the only writer of its tables."""

    # What the projections write.
    def save_view(self, values: dict[str, Any]) -> None:
        self.views[values["child_id"]] = {**values, "updated_at": utc_now()}

    def _replace(self, model: type, child_id: str, rows: list[dict[str, Any]], first: bool) -> None:
        self.projected[model][child_id] = rows

    def clear_child(self, child_id: str) -> None:
        self.views.pop(child_id, None)
        for rows in self.projected.values():
            rows.pop(child_id, None)

    def save_merged(self, merged: dict[str, str], child_ids: set[str]) -> None:
        for child_id in child_ids:
            self.merged.pop(child_id, None)
        self.merged.update(merged)

    def rows(self) -> dict[type, list[dict[str, Any]]]:
        """Every projected row, by table."""
        tables = {model: [row for rows in by_child.values() for row in rows]
                  for model, by_child in self.projected.items()}
        return {**tables, ChildView: list(self.views.values()),
                MergedId: [{"member_id": m, "child_id": c} for m, c in sorted(self.merged.items())]}
