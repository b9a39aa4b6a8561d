"""The event envelope: one shape for every event of every source.

Producers build envelopes only through ``make_envelope``; consumers read them through
``load_envelope``. Both check the payload against its contract, ``shared.contracts`` keyed by
``(source, event_type)``, so a field name cannot drift between services. A consumer reads only the
envelope version it knows: any other is refused (and so dead-lettered), never read as if it were
this one. Envelopes travel as JSON: dates are ISO strings, ids are strings. Events go to the topic
exchange ``<source>.events`` with the event type as routing key. ``provenance`` says who wrote the
record (the verified token's ``system`` and ``user_id``); it is absent on events written before
callers carried tokens.
"""

from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from shared.contracts import fast_load, is_known_source, payload_schema
from shared.contracts.fields import Count, Identifier, digits, strict
from shared.exceptions import ValidationFailed, flatten_marshmallow_errors
from shared.rules.clock import new_id, utc_now

SCHEMA_VERSION = 1


def known_source(source: str) -> None:
    if not is_known_source(source):
        raise ValidationError(f"Unknown source {source!r}.")


class ProvenanceSchema(Schema):
    system = fields.String(required=True, validate=validate.Length(min=1, max=64))
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class EnvelopeSchema(Schema):
    event_id = fields.String(required=True, validate=validate.Regexp(
        r"[0-9a-f]{32}\Z", error="Must be 32 lowercase hex digits."))
    event_type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    schema_version = Count(required=True)
    source = fields.String(required=True, validate=known_source)
    child_id = Identifier(max_length=32, required=True)
    area_code = digits(5, required=True, allow_none=True)
    occurred_on = fields.Date(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    payload = fields.Dict(required=True)
    provenance = fields.Nested(ProvenanceSchema, load_default=None, allow_none=True)


def make_envelope(
    event_type: str,
    source: str,
    child_id: str,
    area_code: str | None,
    occurred_on: date,
    payload: dict[str, Any],
    recorded_at: datetime | None = None,
    provenance: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Build a JSON-safe envelope; the payload is checked against its contract."""
    schema = payload_schema(source, event_type)
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
        "provenance": provenance,
    }
    return strict(EnvelopeSchema).dump(envelope)


def load_envelope(body: Any) -> dict[str, Any]:
    """Validate an incoming envelope and its payload; dates come back as ``date`` objects. Loaded
    through ``fast_load``: marshmallow's answer, sooner when the envelope is plainly valid."""
    try:
        envelope = fast_load.load(strict(EnvelopeSchema), body)
    except ValidationError as error:
        raise ValidationFailed(flatten_marshmallow_errors(error.messages)) from error
    if envelope["schema_version"] != SCHEMA_VERSION:
        raise ValidationFailed({"schema_version": [
            f"Envelope version {envelope['schema_version']} is not read here (this consumer reads "
            f"version {SCHEMA_VERSION})."]})
    schema = payload_schema(envelope["source"], envelope["event_type"])
    try:
        envelope["payload"] = fast_load.load(schema, envelope["payload"])
    except ValidationError as error:
        raise ValidationFailed(flatten_marshmallow_errors(error.messages, "payload.")) from error
    return envelope
