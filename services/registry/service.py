"""The registry service's entrypoints: thin RPC, HTTP and timer methods, nothing else.

Every write RPC takes one dict, validates it, runs one use case from ``commands``, commits the
record and its outbox event in one transaction, then publishes (confirms) on the fast path; the
``relay_outbox`` timer publishes whatever a crash left unsent. A retried ``record_id`` returns the
first answer and stores nothing new.
"""

from datetime import date
from typing import Any

from marshmallow import Schema
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy.exc import IntegrityError

from services.registry import commands, schemas
from services.registry.orm import OutboxMessage, RegistryBase
from services.registry.repository import RegistryRepository
from shared import operations
from shared.admin_units import admin_units
from shared.child_facts import fold_child
from shared.clock import today
from shared.db import Database
from shared.exceptions import Conflict, NotFound, ValidationFailed
from shared.metrics import RpcMetrics
from shared.outbox import OutboxRelay, events_since

EXPECTED = (ValidationFailed, NotFound, Conflict)
SENSITIVE = ("record.child_id", "record.full_name", "child_id")


class RegistryService(operations.OperationsEndpoints):
    name = "registry"

    db = Database(RegistryBase)
    relay = OutboxRelay()
    metrics = RpcMetrics()

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=SENSITIVE)
    def register_birth(self, record: dict) -> dict:
        return self._write(schemas.RegisterBirthSchema, commands.register_birth, record)

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=SENSITIVE)
    def change_residence(self, record: dict) -> dict:
        return self._write(schemas.ChangeResidenceSchema, commands.change_residence, record)

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=SENSITIVE)
    def issue_insurance_card(self, record: dict) -> dict:
        return self._write(schemas.IssueInsuranceCardSchema, commands.issue_insurance_card, record)

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=SENSITIVE)
    def record_death(self, record: dict) -> dict:
        return self._write(schemas.RecordDeathSchema, commands.record_death, record)

    @rpc(expected_exceptions=EXPECTED)
    def void_record(self, record_id: str, reason: str) -> dict:
        return self._write(schemas.VoidRecordSchema, commands.void_record,
                           {"record_id": record_id, "reason": reason})

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=SENSITIVE)
    def get_child(self, child_id: str) -> dict:
        repo = RegistryRepository(self.db)
        if repo.get_child(child_id) is None:
            raise NotFound(f"No registered child {child_id}.")
        state = fold_child(repo.facts_for(child_id))
        return schemas.ChildSchema().dump({
            "child_id": child_id, **state.birth, "commune_code": state.commune_code,
            "map_version": state.map_version, "residence_since": state.residence_since,
            "card": state.card, "date_of_death": state.date_of_death})

    @rpc
    def events_since(self, position: int = 0, limit: int = 1000) -> list[dict]:
        return events_since(self.db, OutboxMessage, int(position), min(int(limit), 10_000))

    @timer(interval=1)
    def relay_outbox(self) -> None:
        self.relay.relay(self.db, OutboxMessage)
        self.relay.measure_backlog(self.db, OutboxMessage)

    def _write(self, schema: type[Schema], command: commands.Command, data: Any,
               retried: bool = False) -> dict:
        cmd = schemas.load_command(schema, data)
        request = {key: str(value) if isinstance(value, date) else value
                   for key, value in cmd.items()}
        repo = RegistryRepository(self.db)
        replay = self._replay(repo, cmd["record_id"], request)
        if replay is not None:
            return replay
        outcome = command(repo, cmd, request, today(), admin_units())
        if outcome.record is None:
            return outcome.response
        row = repo.add_record(outcome.record, outcome.envelope)
        try:
            self.db.commit()
        except IntegrityError:
            self.db.rollback()
            if retried:
                raise
            return self._write(schema, command, data, retried=True)  # a concurrent twin won
        self.relay.committed(self.db, OutboxMessage, [row])
        return outcome.response

    @staticmethod
    def _replay(repo: RegistryRepository, record_id: str, request: dict) -> dict | None:
        existing = repo.get_record(record_id)
        if existing is None:
            return None
        if existing.request != request:
            raise Conflict(f"Record {record_id} was already used for other data.")
        return existing.response
