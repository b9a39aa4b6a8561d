"""RPC input and output schemas of the registry: one ``<Command>Schema`` per write RPC.

Inputs use the shared fields (``shared.contracts.fields``), so every bad value, whatever its JSON type, is a
``ValidationFailed`` naming the field before anything touches the database.
"""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.common import caller_record_id_field, child_id_field, commune_code_field
from shared.contracts.fields import Identifier, Text, digits
from shared.contracts.identity import UNLINK_REASONS, is_personal_id, is_provisional
from shared.contracts.registry import POVERTY, SEXES


class RegisterBirthSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    full_name = Text(max_length=200, required=True)
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
    date_of_birth = fields.Date(required=True)
    registration_date = fields.Date(required=True)
    commune_code = commune_code_field()
    ethnicity = Text(max_length=64, load_default=None, allow_none=True)
    household_poverty = fields.String(load_default="none", validate=validate.OneOf(POVERTY))
    # optional and left out when not given (no load_default), so a retried birth sent before these
    # existed still equals its first request
    carer_name = Text(max_length=200, allow_none=True)
    village = Text(max_length=100, allow_none=True)
    mother_name = Text(max_length=200, allow_none=True)
    mother_id = digits(12, allow_none=True)


class ChangeResidenceSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    commune_code = commune_code_field()
    moved_on = fields.Date(required=True)


class IssueInsuranceCardSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    card_number = Identifier(max_length=32, required=True)
    issued_on = fields.Date(required=True)
    valid_to = fields.Date(required=True)


class RecordDeathSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    date_of_death = fields.Date(required=True)


class ChildQuerySchema(Schema):
    child_id = child_id_field()


class CardSchema(Schema):
    record_id = fields.String()
    card_number = fields.String()
    issued_on = fields.Date()
    valid_to = fields.Date()


class ChildSchema(Schema):
    child_id = fields.String()
    full_name = fields.String()
    sex = fields.String()
    date_of_birth = fields.Date()
    registration_date = fields.Date()
    on_time = fields.Boolean()
    commune_code = fields.String()
    map_version = fields.String()
    residence_since = fields.Date()
    ethnicity = fields.String(allow_none=True)
    household_poverty = fields.String()
    carer_name = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    card = fields.Nested(CardSchema, allow_none=True)
    date_of_death = fields.Date(allow_none=True)
    provisional_ids = fields.List(fields.String())


class LinkIdentitiesSchema(Schema):
    """An officer's link: ``provisional_id`` is the child ``child_id`` names (a personal ID, or
    another provisional id of the same child before any registration)."""

    record_id = caller_record_id_field()
    provisional_id = Identifier(max_length=32, required=True)
    child_id = child_id_field()

    @validates_schema
    def one_side_provisional(self, data: dict, **_: Any) -> None:
        if is_personal_id(data["provisional_id"]) and is_personal_id(data["child_id"]):
            raise ValidationError("Both hold a personal ID: two registered children are never merged.",
                                  "child_id")
        if not is_provisional(data["provisional_id"]):
            raise ValidationError("Must be a provisional id: TAM-<R|H|E|P>-<12 base-32 characters>.",
                                  "provisional_id")
        if not (is_provisional(data["child_id"]) or is_personal_id(data["child_id"])):
            raise ValidationError("Must be a personal ID (12 digits) or a provisional id.", "child_id")


class LinkByRuleSchema(LinkIdentitiesSchema):
    """The registry's own link, by the matching rule, with its score."""

    record_id = Identifier(max_length=80, required=True)
    score = fields.Float(required=True, allow_nan=False)


class UnlinkIdentitiesSchema(Schema):
    record_id = caller_record_id_field()
    link_record_id = Identifier(max_length=80, required=True)
    reason = fields.String(required=True, validate=validate.OneOf(UNLINK_REASONS))


class RejectMatchSchema(Schema):
    record_id = caller_record_id_field()
    provisional_id = Identifier(max_length=32, required=True)
    child_id = child_id_field()


class CommuneQuerySchema(Schema):
    commune_code = commune_code_field()


class MatchQuerySchema(Schema):
    child_id = child_id_field()
