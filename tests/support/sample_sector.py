"""A second sector built from nothing but its contract, rules and schemas (the kit does the rest).

It exists to show, and test, that a new sector is small: ``SampleService`` records a weighing, and
gets idempotent retries, conflicts, voids, the outbox, the event log and the relay from
``shared.kit.sector``. A real sector puts ``CONTRACT`` in ``shared/contracts/<source>.py``; the tests
add it to ``shared.contracts.CONTRACTS`` only while they run (``sample_contract`` fixture).
"""

from marshmallow import Schema, fields, validate
from sqlalchemy.orm import DeclarativeBase

from shared.contracts.common import RecordVoidedSchema, commune_code_field, record_id_field
from shared.contracts.fields import Identifier
from shared.exceptions import ValidationFailed
from shared.kit import sector
from shared.kit.records import Accepted, Context, RecordMixin, SectorStore
from shared.kit.sector import write_rpc
from shared.plumbing.db import Database
from shared.plumbing.outbox import OutboxMixin

SOURCE = "sample"


class WeighingRecordedSchema(Schema):  # the event contract
    record_id = record_id_field()
    weight_kg = fields.Float(required=True, allow_nan=False)
    measured_on = fields.Date(required=True)


CONTRACT = {"weighing_recorded": WeighingRecordedSchema, "record_voided": RecordVoidedSchema}


class RecordWeighingSchema(Schema):  # the RPC input
    record_id = Identifier(max_length=64, required=True)
    child_id = Identifier(max_length=32, required=True)
    commune_code = commune_code_field()
    weight_kg = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0))
    measured_on = fields.Date(required=True)


def record_weighing(store: SectorStore, cmd: dict, ctx: Context) -> Accepted:  # the rule
    if cmd["measured_on"] > ctx.today:
        raise ValidationFailed({"measured_on": [f"Must not be in the future (today is {ctx.today})."]})
    return Accepted("weighing_recorded", cmd["child_id"], cmd["commune_code"], cmd["measured_on"],
                    {"weight_kg": cmd["weight_kg"], "measured_on": cmd["measured_on"]})


class SampleBase(DeclarativeBase):
    pass


class Record(SampleBase, RecordMixin):
    pass


class OutboxMessage(SampleBase, OutboxMixin):
    pass


class SampleStore(SectorStore):
    source = SOURCE
    record_model = Record
    outbox_model = OutboxMessage


class SampleService(sector.SectorEndpoints):
    name = SOURCE
    sector = "health"  # its writes need the health workers' right (write:health)
    db = Database(SampleBase)

    record_weighing = write_rpc(RecordWeighingSchema, record_weighing)

    def repository(self) -> SampleStore:
        return SampleStore(self.db)
sector.add_batch_writes(SampleService)
