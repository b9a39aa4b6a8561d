"""RPC input and output schemas of education: one ``<Command>Schema`` per write RPC, and the reads.

Inputs use the shared fields and the contract's field types, so every bad value, whatever its JSON
type, is a ``ValidationFailed`` naming the field before anything touches the database.
"""

from marshmallow import Schema, fields

from shared.contracts.common import caller_record_id_field, child_id_field, commune_code_field
from shared.contracts.education import (
    SchoolYearField,
    age_exception_field,
    end_reason_field,
    grade_field,
    level_field,
    school_code_field,
)


class RecordEnrolmentSchema(Schema):
    """``grade`` for primary only; ``age_exception`` when a child enters grade 1 (or stays in
    kindergarten) later than its birth year allows."""

    record_id = caller_record_id_field()
    child_id = child_id_field()
    school_code = school_code_field()
    level = level_field()
    grade = grade_field(load_default=None)
    school_year = SchoolYearField(required=True)
    start_date = fields.Date(required=True)
    commune_code = commune_code_field()
    inclusive = fields.Boolean(load_default=False)
    age_exception = age_exception_field(load_default=None)


class EndEnrolmentSchema(Schema):
    record_id = caller_record_id_field()
    enrolment_id = caller_record_id_field()
    ended_on = fields.Date(required=True)
    reason = end_reason_field()


class ChildQuerySchema(Schema):
    child_id = child_id_field()


class RosterQuerySchema(Schema):
    school_code = school_code_field()
    school_year = SchoolYearField(required=True)


class EnrolmentSchema(Schema):
    """One enrolment as education answers it (``enrolments_for``, ``school_roster``): its id is
    ``enrolment_id``, the name ``end_enrolment`` takes it by (the record id that opened it)."""

    enrolment_id = fields.String(attribute="record_id")
    child_id = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    full_name = fields.String(allow_none=True)
    carer_name = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    school_code = fields.String()
    school_year = fields.String()
    level = fields.String()
    grade = fields.Integer(allow_none=True)
    start_date = fields.Date()
    commune_code = fields.String()
    inclusive = fields.Boolean()
    age_exception = fields.String(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)
