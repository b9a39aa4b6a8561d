"""RPC input and output schemas of health: one ``<Command>Schema`` per write RPC, and the due list.

Inputs use the shared fields, so every bad value, whatever its JSON type, is a ``ValidationFailed``
naming the field before anything touches the database.
"""

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from shared.contracts.common import caller_record_id_field, child_id_field, commune_code_field
from shared.contracts.fields import Identifier, report_date
from shared.contracts.health import POSITIONS, SCREENING_KINDS, SCREENING_RESULTS
from shared.rules.epi import as_on_the_schedule


def _measure(low: float, high: float, **kwargs) -> fields.Float:
    return fields.Float(allow_nan=False, validate=validate.Range(min=low, max=high), **kwargs)


class RecordVaccinationSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    antigen = Identifier(max_length=32, required=True)
    dose = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=10, error="Doses count from 1 to 10 (the card's HepB0, dose 0, is hepb_birth dose 1)."))
    given_on = fields.Date(required=True)
    commune_code = commune_code_field()
    facility_code = Identifier(max_length=32, required=True)

    @pre_load
    def read_the_card(self, data: Any, **_: Any) -> Any:
        """A vaccine as the card writes it (``HepB0``, ``DPT-VGB-Hib``, ``Sởi``) is the schedule's."""
        if not isinstance(data, dict) or "antigen" not in data:
            return data
        antigen, dose = as_on_the_schedule(data["antigen"], data.get("dose"))
        return {**data, "antigen": antigen, **({"dose": dose} if "dose" in data or dose is not None else {})}


class RecordGrowthSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    measured_on = fields.Date(required=True)
    commune_code = commune_code_field()
    weight_kg = _measure(0.3, 150, load_default=None, allow_none=True)
    length_height_cm = _measure(20, 250, load_default=None, allow_none=True)
    position = fields.String(required=True, validate=validate.OneOf(POSITIONS))
    oedema = fields.Boolean(load_default=False)
    muac_mm = _measure(50, 400, load_default=None, allow_none=True)

    @validates_schema
    def something_measured(self, data: dict, **_) -> None:
        if data.get("weight_kg") is None and data.get("length_height_cm") is None:
            raise ValidationError("Give a weight, a length/height or both.", "weight_kg")


class RecordScreeningSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    kind = fields.String(required=True, validate=validate.OneOf(SCREENING_KINDS))
    result = fields.String(required=True, validate=validate.OneOf(SCREENING_RESULTS))
    screened_on = fields.Date(required=True)
    commune_code = commune_code_field()


class RecordHealthCheckSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    checked_on = fields.Date(required=True)
    commune_code = commune_code_field()


class DueQuerySchema(Schema):
    commune_code = commune_code_field()
    as_of = report_date(required=True)


class DueDoseSchema(Schema):
    child_id = fields.String()
    full_name = fields.String(allow_none=True)
    carer_name = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    date_of_birth = fields.Date()
    antigen = fields.String()
    dose = fields.Integer()
    due_on = fields.Date()
    days_overdue = fields.Integer()
    status = fields.String()
