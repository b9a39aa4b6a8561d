"""Reporting's RPC/HTTP schemas: the indicator query, the catch-up and child queries, the view out."""

from datetime import date
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from services.reporting import periods
from services.reporting.breakdowns import BY_CHOICES
from shared.contracts import SOURCES
from shared.contracts.fields import Identifier, report_date


class PeriodSchema(Schema):
    start = report_date(load_default=None, allow_none=True)
    end = report_date(load_default=None, allow_none=True)


class PeriodField(fields.Field):
    """A period as ``{start, end}`` or as a spec string (``2026-Q2``: ``periods``); a spec's end after
    ``as_of`` is cut to ``as_of`` (the period so far)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if isinstance(value, str):
            try:
                start, end = periods.parse(value)
            except periods.BadPeriod as error:
                raise ValidationError(str(error)) from error
            return {"start": start, "end": end, "spec": value.strip()}
        if not isinstance(value, dict):
            raise ValidationError(f"A {{start, end}} object or a spec. {periods.EXPECTED}")
        return PeriodSchema(unknown=RAISE).load(value)


class IndicatorsQuerySchema(Schema):
    """``period`` bounds the births counted; it defaults to 1 January of ``as_of``'s year to ``as_of``.
    ``by`` names the breakdowns asked (``breakdowns.BY_CHOICES``)."""

    area_code = fields.String(required=True, validate=validate.Length(min=1, max=5))
    as_of = report_date(required=True)
    period = PeriodField(load_default=None, allow_none=True)
    by_commune = fields.Boolean(load_default=False)
    by = fields.List(fields.String(), load_default=list)

    @validates("by")
    def known_breakdowns(self, value: list[str], **_: Any) -> None:
        unknown = [name for name in value if name not in BY_CHOICES]
        if unknown:
            raise ValidationError(f"Unknown breakdown {', '.join(unknown)}: must be among "
                                  f"{', '.join(BY_CHOICES)}.")

    @post_load
    def fill_period(self, data: dict, **_: Any) -> dict:
        period = data.get("period") or {}
        as_of = data["as_of"]
        end = period.get("end") or as_of
        data["period"] = {"start": period.get("start") or date(as_of.year, 1, 1),
                          "end": min(end, as_of) if "spec" in period else end}
        return data

    @validates_schema
    def period_within_as_of(self, data: dict, **_: Any) -> None:
        if "as_of" not in data:
            return
        period = data.get("period") or {}
        start, end = period.get("start"), period.get("end") or data["as_of"]
        if "spec" in period:
            end = min(end, data["as_of"])
        if end > data["as_of"]:
            raise ValidationError({"end": ["Must not be after as_of."]}, "period")
        if start and start > end:
            raise ValidationError({"start": ["Must not be after the end of the period."]}, "period")


class CatchUpSchema(Schema):
    source = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SOURCES))


class ChildQuerySchema(Schema):
    child_id = Identifier(max_length=32, required=True)



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
    provisional = fields.Boolean(allow_none=True)
    known_on = fields.Date(allow_none=True)
    date_of_birth_estimated = fields.Boolean(allow_none=True)
    met_by = fields.String(allow_none=True)
    met_on = fields.Date(allow_none=True)
    mother_name = fields.String(allow_none=True)
    carer_name = fields.String(allow_none=True)
    merged_ids = fields.List(fields.String(), allow_none=True)
