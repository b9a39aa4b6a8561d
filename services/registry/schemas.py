"""RPC input and output schemas of the registry: one ``<Command>Schema`` per write RPC.

``load_command`` turns marshmallow's errors into ``ValidationFailed`` naming each field, so a bad
request reaches the caller as a typed error before anything touches the database.
"""

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from shared.events import SEXES
from shared.exceptions import ValidationFailed, flatten_marshmallow_errors

RecordId = fields.String(required=True, validate=validate.Length(min=1, max=64))
ChildId = fields.String(required=True, validate=validate.Length(min=1, max=32))
CommuneCode = fields.String(required=True, validate=validate.Regexp(r"^\d{5}$",
                                                                     error="Must be 5 digits."))


class RegisterBirthSchema(Schema):
    record_id = RecordId
    child_id = ChildId
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
    date_of_birth = fields.Date(required=True)
    registration_date = fields.Date(required=True)
    commune_code = CommuneCode
    ethnicity = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    household_poverty = fields.String(load_default="none",
                                      validate=validate.OneOf(("poor", "near_poor", "none")))


class ChangeResidenceSchema(Schema):
    record_id = RecordId
    child_id = ChildId
    commune_code = CommuneCode
    moved_on = fields.Date(required=True)


class IssueInsuranceCardSchema(Schema):
    record_id = RecordId
    child_id = ChildId
    card_number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    issued_on = fields.Date(required=True)
    valid_to = fields.Date(required=True)


class RecordDeathSchema(Schema):
    record_id = RecordId
    child_id = ChildId
    date_of_death = fields.Date(required=True)


class VoidRecordSchema(Schema):
    record_id = RecordId
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @post_load
    def name_the_void(self, data: dict, **_: Any) -> dict:
        """A void is a record of its own, with an id derived from its target (so it is idempotent)."""
        return {"record_id": f"void-{data['record_id']}", "target_record_id": data["record_id"],
                "reason": data["reason"]}


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
    card = fields.Nested(CardSchema, allow_none=True)
    date_of_death = fields.Date(allow_none=True)


def load_command(schema: type[Schema], data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed({"_schema": ["Expected one object (a dict) of fields."]})
    try:
        return schema(unknown=RAISE).load(data)
    except ValidationError as error:
        raise ValidationFailed(flatten_marshmallow_errors(error.messages)) from error
