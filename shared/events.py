"""The event contract: one envelope for every event, one payload schema per event type.

Producers build envelopes only through ``make_envelope``; consumers read them through
``load_envelope``. Both validate the payload against ``EVENT_SCHEMAS[event_type]`` so a field name
cannot drift between services. Envelopes travel as JSON: dates are ISO strings, ids are strings.
Events go to the topic exchange ``<source>.events`` with the event type as routing key.
"""

from datetime import date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.clock import new_id, utc_now
from shared.exceptions import ValidationFailed, flatten_marshmallow_errors

SEXES = ("male", "female")
MAP_VERSIONS = ("legacy", "2025")


class EnvelopeSchema(Schema):
    event_id = fields.String(required=True, validate=validate.Length(equal=32))
    event_type = fields.String(required=True)
    schema_version = fields.Integer(required=True)
    source = fields.String(required=True)
    child_id = fields.String(required=True)
    area_code = fields.String(required=True, allow_none=True)
    occurred_on = fields.Date(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    payload = fields.Dict(required=True)


class BirthRegisteredSchema(Schema):
    record_id = fields.String(required=True)
    full_name = fields.String(required=True)
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
    date_of_birth = fields.Date(required=True)
    registration_date = fields.Date(required=True)
    commune_code = fields.String(required=True)
    map_version = fields.String(required=True, validate=validate.OneOf(MAP_VERSIONS))
    ethnicity = fields.String(load_default=None, allow_none=True)
    household_poverty = fields.String(load_default="none")
    on_time = fields.Boolean(required=True)
    days_to_registration = fields.Integer(required=True)


class ResidenceChangedSchema(Schema):
    record_id = fields.String(required=True)
    commune_code = fields.String(required=True)
    map_version = fields.String(required=True, validate=validate.OneOf(MAP_VERSIONS))
    moved_on = fields.Date(required=True)


class InsuranceCardIssuedSchema(Schema):
    record_id = fields.String(required=True)
    card_number = fields.String(required=True)
    issued_on = fields.Date(required=True)
    valid_to = fields.Date(required=True)


class DeathRecordedSchema(Schema):
    record_id = fields.String(required=True)
    date_of_death = fields.Date(required=True)


class RecordVoidedSchema(Schema):
    record_id = fields.String(required=True)
    voided_record_id = fields.String(required=True)
    voided_event_type = fields.String(required=True)
    reason = fields.String(required=True)


EVENT_SCHEMAS: dict[str, type[Schema]] = {
    "birth_registered": BirthRegisteredSchema,
    "residence_changed": ResidenceChangedSchema,
    "insurance_card_issued": InsuranceCardIssuedSchema,
    "death_recorded": DeathRecordedSchema,
    "record_voided": RecordVoidedSchema,
}
SCHEMA_VERSION = 1


def _payload_schema(event_type: str) -> Schema:
    if event_type not in EVENT_SCHEMAS:
        raise ValidationFailed({"event_type": [f"Unknown event type {event_type!r}."]})
    return EVENT_SCHEMAS[event_type](unknown=RAISE)


def make_envelope(
    event_type: str,
    source: str,
    child_id: str,
    area_code: str | None,
    occurred_on: date,
    payload: dict[str, Any],
    recorded_at: datetime | None = None,
) -> dict[str, Any]:
    """Build a JSON-safe envelope; the payload is checked against its event type's schema."""
    schema = _payload_schema(event_type)
    try:
        clean = schema.dump(schema.load(schema.dump(payload)))
    except ValidationError as error:
        raise ValidationFailed(flatten_marshmallow_errors(error.messages, "payload.")) from error
    envelope = {
        "event_id": new_id(),
        "event_type": event_type,
        "schema_version": SCHEMA_VERSION,
        "source": source,
        "child_id": child_id,
        "area_code": area_code,
        "occurred_on": occurred_on,
        "recorded_at": recorded_at or utc_now(),
        "payload": clean,
    }
    return EnvelopeSchema().dump(envelope)


def load_envelope(body: dict[str, Any]) -> dict[str, Any]:
    """Validate an incoming envelope and its payload; dates come back as ``date`` objects."""
    try:
        envelope = EnvelopeSchema(unknown=RAISE).load(body)
    except ValidationError as error:
        raise ValidationFailed(flatten_marshmallow_errors(error.messages)) from error
    try:
        envelope["payload"] = _payload_schema(envelope["event_type"]).load(envelope["payload"])
    except ValidationError as error:
        raise ValidationFailed(flatten_marshmallow_errors(error.messages, "payload.")) from error
    return envelope
