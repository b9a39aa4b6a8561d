"""The education sector's event contract and its fold: a child's enrolments, each with its end.

``enrolment_recorded`` says a child started at a school (level, grade, school year, start date, the
school's commune, whether it is an inclusive place for a child with a disability, and the reason a
child entered grade 1 late when it did). ``enrolment_ended`` closes one enrolment (``enrolment_id``)
with a date and a reason; a transfer is an end and a new enrolment. ``fold_enrolments`` reads all of
a child's live facts in any order: a voided enrolment disappears with its end, a voided end reopens
its enrolment.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from shared.contracts.common import RecordVoidedSchema, commune_code_field, record_id_field
from shared.contracts.facts import Fact, earliest_ends, live_facts, payloads
from shared.contracts.fields import Identifier
from shared.rules import schooling

MAX_GRADE = 12


class SchoolYearField(fields.String):
    """``"2024-2025"``: two consecutive years."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if schooling.parse_school_year(text) is None:
            raise ValidationError('Must be a school year like "2025-2026" (two consecutive years).')
        return text


def school_code_field() -> Identifier:
    return Identifier(max_length=32, required=True)


def level_field() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(schooling.LEVELS))


def grade_field(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_GRADE),
                          **kwargs)


def age_exception_field(**kwargs) -> fields.String:
    return fields.String(allow_none=True, validate=validate.OneOf(list(schooling.exceptions())), **kwargs)


def end_reason_field() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(schooling.end_reasons()))


class EnrolmentRecordedSchema(Schema):
    record_id = record_id_field()
    school_code = school_code_field()
    level = level_field()
    grade = grade_field(required=True)
    school_year = SchoolYearField(required=True)
    start_date = fields.Date(required=True)
    commune_code = commune_code_field()
    inclusive = fields.Boolean(required=True)
    age_exception = age_exception_field(required=True)


class EnrolmentEndedSchema(Schema):
    record_id = record_id_field()
    enrolment_id = record_id_field()
    school_code = school_code_field()
    school_year = SchoolYearField(required=True)
    ended_on = fields.Date(required=True)
    reason = end_reason_field()
    commune_code = commune_code_field()


EVENTS: dict[str, type[Schema]] = {
    "enrolment_recorded": EnrolmentRecordedSchema,
    "enrolment_ended": EnrolmentEndedSchema,
    "record_voided": RecordVoidedSchema,
}


@dataclass(frozen=True)
class Enrolment:
    """One enrolment; enrolled from ``start_date`` until ``ended_on`` (exclusive; None = still),
    never past the end of its school year."""

    record_id: str
    school_code: str
    school_year: int
    level: str
    grade: int | None
    start_date: date
    commune_code: str
    inclusive: bool
    age_exception: str | None
    ended_on: date | None = None
    end_reason: str | None = None


def fold_enrolments(facts: Iterable[Fact]) -> list[Enrolment]:
    """A child's live enrolments by start date, each with its earliest live end."""
    live = live_facts(facts)
    ends = earliest_ends(live, "enrolment_ended", "enrolment_id", "ended_on")
    enrolments = []
    for p in payloads(live, "enrolment_recorded"):
        end = ends.get(p["record_id"], {})
        enrolments.append(Enrolment(
            p["record_id"], p["school_code"], schooling.parse_school_year(p["school_year"]), p["level"],
            p["grade"], p["start_date"], p["commune_code"], p["inclusive"], p["age_exception"],
            end.get("ended_on"), end.get("reason")))
    return sorted(enrolments, key=lambda e: (e.start_date, e.record_id))
