"""The registry's store: the sector kit's records and outbox, plus the index of registered children."""

from typing import Any

from services.registry.orm import (
    AuditEntry,
    Child,
    OutboxMessage,
    Record,
    Referral,
    ReferralFact,
    ReferralPosition,
)
from shared.kit.records import SectorStore
from shared.kit.referral_store import ReferralStore


class RegistryRepository(ReferralStore, SectorStore):
    source = "registry"
    record_model = Record
    outbox_model = OutboxMessage
    audit_model = AuditEntry
    referral_fact_model = ReferralFact
    referral_model = Referral
    referral_position_model = ReferralPosition

    def get_child(self, child_id: str) -> Child | None:
        return self.session.get(Child, child_id)

    def add_child(self, child_id: str, birth_record_id: str, date_of_birth: Any) -> None:
        self.session.add(Child(child_id=child_id, birth_record_id=birth_record_id,
                               date_of_birth=date_of_birth))

    def remove_child(self, child_id: str) -> None:
        child = self.get_child(child_id)
        if child is not None:
            self.session.delete(child)
