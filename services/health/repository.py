"""Health's store: the sector kit's records and outbox, and health's copy of registered children."""

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from services.health.orm import KnownChild, OutboxMessage, Record, RegistryFact
from shared.admin_units import LEGACY, AdminUnits
from shared.contracts import load_fact
from shared.contracts.registry import fold_child
from shared.facts import Fact
from shared.records import SectorStore

VACCINATION = "vaccination_recorded"


class HealthStore(SectorStore):
    source = "health"
    record_model = Record
    outbox_model = OutboxMessage

    def known_child(self, child_id: str) -> KnownChild | None:
        return self.session.get(KnownChild, child_id)

    def children_in(self, column: str, commune_code: str) -> list[KnownChild]:
        query = select(KnownChild).where(getattr(KnownChild, column) == commune_code)
        return list(self.session.scalars(query.order_by(KnownChild.child_id)))

    def vaccination_facts(self, child_ids: list[str]) -> dict[str, list[Fact]]:
        """Live vaccination records of these children (voided ones left out), one query."""
        found: dict[str, list[Fact]] = {child_id: [] for child_id in child_ids}
        if not child_ids:
            return found
        rows = self.session.scalars(select(Record).where(
            Record.child_id.in_(child_ids), Record.event_type == VACCINATION, Record.voided.is_(False)))
        for row in rows:
            found[row.child_id].append(load_fact(self.source, row.record_id, row.event_type, row.payload))
        return found

    def apply_registry_fact(self, fact: dict, units: AdminUnits) -> None:
        """Keep a registry event (once) and refold the child's row from all its registry facts."""
        dialect = {"postgresql": postgresql, "sqlite": sqlite}[self.session.get_bind().dialect.name]
        self.session.execute(dialect.insert(RegistryFact).on_conflict_do_nothing(), fact)
        rows = self.session.scalars(select(RegistryFact).where(RegistryFact.child_id == fact["child_id"]))
        state = fold_child(load_fact("registry", r.record_id, r.event_type, r.payload) for r in rows)
        self.session.execute(delete(KnownChild).where(KnownChild.child_id == fact["child_id"]))
        if state.registered:
            self.session.add(known_child(fact["child_id"], state.birth, state.residence,
                                         state.date_of_death, units))


def known_child(child_id: str, birth: dict, residence, date_of_death: date | None,
                units: AdminUnits) -> KnownChild:
    code, map_version = residence.commune_code, residence.map_version
    current = units.legacy_to_current.get(code) if map_version == LEGACY else code
    commune = units.current.get(current) if current else None
    return KnownChild(child_id=child_id, date_of_birth=birth["date_of_birth"], sex=birth["sex"],
                      legacy_commune=code if map_version == LEGACY else None, current_commune=current,
                      current_province=commune.province_code if commune else None,
                      date_of_death=date_of_death)
