"""RPC input schemas of protection: one ``<Command>Schema`` per write RPC, and the read queries.

Inputs use the shared fields and the contract's field types, so every bad value, whatever its JSON
type, is a ``ValidationFailed`` naming the field before anything touches the database. ``notes`` is
the only free text; it never leaves this service.
"""

from marshmallow import Schema, fields, validate

from shared.contracts.common import caller_record_id_field, child_id_field, commune_code_field
from shared.contracts.fields import Text
from shared.contracts.protection import case_id_field, codes_of, one_of
from shared.rules.protection import allowance_categories

NOTES_MAX = 5000


def notes_field() -> Text:
    return Text(max_length=NOTES_MAX, load_default=None, allow_none=True)


class OpenCaseSchema(Schema):
    record_id = caller_record_id_field()
    case_id = case_id_field()
    child_id = child_id_field()
    opened_on = fields.Date(required=True)
    commune_code = commune_code_field()
    level = one_of("case_levels", required=True)
    concerns = codes_of("concerns", min_length=1, required=True)
    risk = one_of("risk_bands", required=True)
    notes = notes_field()


class UpdateCaseSchema(Schema):
    record_id = caller_record_id_field()
    case_id = case_id_field()
    updated_on = fields.Date(required=True)
    level = one_of("case_levels", load_default=None, allow_none=True)
    risk = one_of("risk_bands", load_default=None, allow_none=True)
    plan_on = fields.Date(load_default=None, allow_none=True)
    services = codes_of("services", load_default=list)
    notes = notes_field()


class CloseCaseSchema(Schema):
    record_id = caller_record_id_field()
    case_id = case_id_field()
    closed_on = fields.Date(required=True)
    outcome = one_of("case_outcomes", required=True)
    notes = notes_field()


class RecordSpecialCircumstanceSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    groups = codes_of("special_circumstances", min_length=1, required=True)
    started_on = fields.Date(required=True)
    commune_code = commune_code_field()


class RecordAlternativeCareSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    form = one_of("alternative_care_forms", required=True)
    started_on = fields.Date(required=True)
    commune_code = commune_code_field()


class GrantAllowanceSchema(Schema):
    record_id = caller_record_id_field()
    child_id = child_id_field()
    category = fields.String(required=True, validate=validate.OneOf(list(allowance_categories())))
    coefficient = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=20))
    started_on = fields.Date(required=True)
    commune_code = commune_code_field()


def end_schema(target: str) -> type[Schema]:
    """The input ending an episode named by ``target`` (``circumstance_id``, ``placement_id``...)."""
    return Schema.from_dict({"record_id": caller_record_id_field(), target: caller_record_id_field(),
                             "ended_on": fields.Date(required=True)}, name=f"End{target}Schema")


class CaseQuerySchema(Schema):
    case_id = case_id_field()


class ChildQuerySchema(Schema):
    child_id = child_id_field()

