"""Reporting's RPC/HTTP schemas: the indicator query in, the child view out."""

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from shared.exceptions import ValidationFailed, flatten_marshmallow_errors


class IndicatorsQuerySchema(Schema):
    area_code = fields.String(required=True)
    as_of = fields.Date(required=True)
    period_start = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def start_not_after_as_of(self, data: dict, **_: Any) -> None:
        if data.get("period_start") and data["period_start"] > data["as_of"]:
            raise ValidationError("Must not be after as_of.", "period_start")


class ChildViewSchema(Schema):
    child_id = fields.String()
    registered = fields.Boolean()
    full_name = fields.String(allow_none=True)
    sex = fields.String(allow_none=True)
    date_of_birth = fields.Date(allow_none=True)
    registration_date = fields.Date(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    days_to_registration = fields.Integer(allow_none=True)
    commune_code = fields.String(allow_none=True)
    map_version = fields.String(allow_none=True)
    residence_since = fields.Date(allow_none=True)
    legacy_province = fields.String(allow_none=True)
    legacy_district = fields.String(allow_none=True)
    legacy_commune = fields.String(allow_none=True)
    current_province = fields.String(allow_none=True)
    current_commune = fields.String(allow_none=True)
    card_number = fields.String(allow_none=True)
    card_issued_on = fields.Date(allow_none=True)
    card_valid_to = fields.Date(allow_none=True)
    date_of_death = fields.Date(allow_none=True)


def load_query(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return IndicatorsQuerySchema(unknown=RAISE).load(data)
    except ValidationError as error:
        raise ValidationFailed(flatten_marshmallow_errors(error.messages)) from error
