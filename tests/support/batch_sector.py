"""A fake sector answering health's batch twin ``record_growths`` exactly as the batch contract says
(``shared.contracts.batches``), storing in memory: the loader is tested against it until the kit's
batch RPCs are merged.

Each record is validated by health's real input schema (``RecordGrowthSchema``) and answered
``accepted`` or with the contract's refusal (``ValidationFailed`` naming the fields; ``Conflict``
when its record id was stored with other data); a record stored before is answered ``accepted``
again and not stored twice (idempotent per ``record_id``); a batch longer than the limit is refused
whole. ``Ledger.received`` keeps every record id sent, in order, duplicates included, so a test can
say exactly what was sent twice. ``Ledger.hold(n)`` makes the n-th batch wait, in flight, until the
test calls ``release``.
"""

import threading
from typing import Any

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.health.schemas import RecordGrowthSchema
from shared.contracts.batches import BATCH_MAX_RECORDS, refusal
from shared.exceptions import Conflict, ValidationFailed, flatten_marshmallow_errors


class Ledger:
    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.received: list[Any] = []
        self.batches = 0
        self.held_batch: int | None = None
        self.holding, self.released = threading.Event(), threading.Event()

    def hold(self, batch: int) -> None:
        self.held_batch = batch

    def release(self) -> None:
        self.released.set()

    def take(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.batches += 1
        if self.batches == self.held_batch:
            self.holding.set()
            self.released.wait(timeout=60)
        return [self.answer(record) for record in records]

    def answer(self, record: dict[str, Any]) -> dict[str, Any]:
        self.received.append(record.get("record_id"))
        try:
            loaded = RecordGrowthSchema().load(record)
        except ValidationError as error:
            failed = ValidationFailed(flatten_marshmallow_errors(error.messages))
            return refusal(record.get("record_id"), failed)
        stored = self.stored.setdefault(loaded["record_id"], loaded)
        if stored != loaded:
            return refusal(loaded["record_id"], Conflict(f"Record {loaded['record_id']} was already used "
                                                         "for other data."))
        return {"record_id": loaded["record_id"], "status": "accepted"}


class MemoryLedger(DependencyProvider):
    def setup(self) -> None:
        self.ledger = Ledger()

    def get_dependency(self, worker_ctx: Any) -> Ledger:
        return self.ledger


class FakeHealthBatches:
    name = "health"
    ledger = MemoryLedger()

    @rpc(expected_exceptions=ValidationFailed)
    def record_growths(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not isinstance(records, list) or len(records) > BATCH_MAX_RECORDS:
            raise ValidationFailed({"records": [f"Must be a list of at most {BATCH_MAX_RECORDS} records."]})
        return self.ledger.take(records)
