"""Payload parts every source shares: the void event and the field types of ids and codes."""

from marshmallow import Schema, fields

from shared.contracts.fields import Identifier, Text, digits

RECORD_ID_MAX = 80
CALLER_RECORD_ID_MAX = 64  # a caller's id; the kit derives longer ones (``void-<id>``)
MAP_VERSIONS = ("legacy", "2025")


def record_id_field(**kwargs) -> Identifier:
    return Identifier(max_length=RECORD_ID_MAX, required=True, **kwargs)


def caller_record_id_field() -> Identifier:
    """The id a caller gives its record (RPC input); events carry ``record_id_field``."""
    return Identifier(max_length=CALLER_RECORD_ID_MAX, required=True)


def child_id_field() -> Identifier:
    return Identifier(max_length=32, required=True)


def commune_code_field(**kwargs) -> fields.String:
    return digits(5, required=True, **kwargs)


class RecordVoidedSchema(Schema):
    """A record withdrawn by its source: every effect of ``voided_record_id`` disappears."""

    record_id = record_id_field()
    voided_record_id = record_id_field()
    voided_event_type = fields.String(required=True)
    reason = Text(max_length=500, required=True)
