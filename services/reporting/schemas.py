"""Reporting's RPC/HTTP schemas: the indicator query in, the child view out."""

from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validates_schema

from shared.exceptions import ValidationFailed, flatten_marshmallow_errors


class PeriodSchema(Schema):
    start = fields.Date(load_default=None, allow_none=True)
    end = fields.Date(load_default=None, allow_none=True)


class IndicatorsQuerySchema(Schema):
    """``period`` bounds the births counted; it defaults to 1 January of ``as_of``'s year to ``as_of``."""

    area_code = fields.String(required=True)
    as_of = fields.Date(required=True)
    period = fields.Nested(PeriodSchema, load_default=None, allow_none=True, unknown=RAISE)

    @post_load
    def fill_period(self, data: dict, **_: Any) -> dict:
        period = data.get("period") or {}
        as_of = data["as_of"]
        data["period"] = {"start": period.get("start") or date(as_of.year, 1, 1),
                          "end": period.get("end") or as_of}
        return data

    @validates_schema
    def period_within_as_of(self, data: dict, **_: Any) -> None:
        period = data.get("period") or {}
        start, end = period.get("start"), period.get("end") or data["as_of"]
        if end > data["as_of"]:
            raise ValidationError({"end": ["Must not be after as_of."]}, "period")
        if start and start > end:
            raise ValidationError({"start": ["Must not be after the end of the period."]}, "period")


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
