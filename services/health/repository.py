"""Health's store: the sector kit's records and outbox, and health's copy of registered children."""

from sqlalchemy import select

from services.health.orm import (
    AuditEntry,
    IdentityLink,
    KnownChild,
    OutboxMessage,
    Record,
    Referral,
    ReferralFact,
    ReferralPosition,
    RegistryFact,
    RegistryPosition,
    RuleFiring,
)
from shared.contracts import load_fact
from shared.contracts.facts import Fact
from shared.kit.referral_store import ReferralStore
from shared.kit.registry_copy import RegistryCopyStore

VACCINATION = "vaccination_recorded"


class HealthStore(ReferralStore, RegistryCopyStore):
    source = "health"
    record_model = Record
    outbox_model = OutboxMessage
    audit_model = AuditEntry
    referral_fact_model = ReferralFact
    referral_model = Referral
    referral_position_model = ReferralPosition
    firing_model = RuleFiring
    fact_model = RegistryFact
    child_model = KnownChild
    position_model = RegistryPosition
    link_model = IdentityLink

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
