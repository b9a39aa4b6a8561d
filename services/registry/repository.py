"""The registry's only queries: records by id or child, the child index, the outbox."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.registry.orm import Child, OutboxMessage, Record
from shared.child_facts import Fact, fact_from_json
from shared.outbox import stage


class RegistryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_record(self, record_id: str) -> Record | None:
        return self.session.get(Record, record_id)

    def get_child(self, child_id: str) -> Child | None:
        return self.session.get(Child, child_id)

    def facts_for(self, child_id: str) -> list[Fact]:
        records = self.session.scalars(select(Record).where(Record.child_id == child_id))
        return [fact_from_json(r.record_id, r.event_type, r.payload) for r in records]

    def add_child(self, child_id: str, birth_record_id: str, date_of_birth: Any) -> None:
        self.session.add(Child(child_id=child_id, birth_record_id=birth_record_id,
                               date_of_birth=date_of_birth))

    def remove_child(self, child_id: str) -> None:
        child = self.get_child(child_id)
        if child is not None:
            self.session.delete(child)

    def add_record(self, record: Record, envelope: dict[str, Any]) -> OutboxMessage:
        """Store the record and stage its event: they commit together or not at all."""
        self.session.add(record)
        return stage(self.session, OutboxMessage, envelope)
