"""The health sector's event contract and its fold: what its events say about one child.

Events carry what was recorded (the dose, the measurement, the screening) and health's judgement at
recording time (dose validity, z-scores), which a consumer may show. Judgements that depend on the
child's birth date and on the other doses are re-read by ``fold_health`` through ``shared.rules.epi``
and ``shared.rules.growth`` from ALL the child's live facts, so a dose recorded before the birth was
known, or before an earlier dose arrived, is judged right in the end, in any arrival order.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from shared.contracts.common import RecordVoidedSchema, commune_code_field, record_id_field
from shared.contracts.facts import Fact, live_facts, payloads
from shared.contracts.fields import Identifier, Text
from shared.rules import epi, growth

POSITIONS = (growth.LYING, growth.STANDING)
SCREENING_KINDS = ("development", "hearing", "vision", "disability")
SCREENING_RESULTS = ("normal", "suspected", "confirmed")
POSITIVE = ("suspected", "confirmed")


class VaccinationRecordedSchema(Schema):
    record_id = record_id_field()
    antigen = Identifier(max_length=32, required=True)
    dose = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10))
    given_on = fields.Date(required=True)
    commune_code = commune_code_field()
    facility_code = Identifier(max_length=32, required=True)
    valid = fields.Boolean(required=True, allow_none=True)
    invalid_reason = Text(max_length=200, required=True, allow_none=True)


def _measure(**kwargs: Any) -> fields.Float:
    return fields.Float(allow_nan=False, **kwargs)


class GrowthMeasuredSchema(Schema):
    record_id = record_id_field()
    measured_on = fields.Date(required=True)
    commune_code = commune_code_field()
    weight_kg = _measure(required=True, allow_none=True)
    length_height_cm = _measure(required=True, allow_none=True)
    position = fields.String(required=True, validate=validate.OneOf(POSITIONS))
    oedema = fields.Boolean(required=True)
    muac_mm = _measure(required=True, allow_none=True)
    reference = fields.String(required=True, allow_none=True)
    zscores = fields.Dict(keys=fields.String(validate=validate.OneOf(growth.INDICES)),
                          values=_measure(allow_none=True), required=True)
    flagged = fields.List(fields.String(validate=validate.OneOf(growth.INDICES)), required=True)
    conditions = fields.List(Identifier(max_length=40), required=True)


class ScreeningRecordedSchema(Schema):
    record_id = record_id_field()
    kind = fields.String(required=True, validate=validate.OneOf(SCREENING_KINDS))
    result = fields.String(required=True, validate=validate.OneOf(SCREENING_RESULTS))
    screened_on = fields.Date(required=True)
    commune_code = commune_code_field()


class HealthCheckRecordedSchema(Schema):
    record_id = record_id_field()
    checked_on = fields.Date(required=True)
    commune_code = commune_code_field()


EVENTS: dict[str, type[Schema]] = {
    "vaccination_recorded": VaccinationRecordedSchema,
    "growth_measured": GrowthMeasuredSchema,
    "screening_recorded": ScreeningRecordedSchema,
    "health_check_recorded": HealthCheckRecordedSchema,
    "record_voided": RecordVoidedSchema,
}


@dataclass(frozen=True)
class Measurement:
    record_id: str
    measured_on: date
    assessment: growth.Assessment | None  # None while the child's birth is not known


@dataclass
class HealthState:
    verdicts: list[epi.Verdict] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    screenings: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)


def doses(facts: Iterable[Fact]) -> list[epi.Dose]:
    return [epi.Dose(p["record_id"], p["antigen"], p["dose"], p["given_on"])
            for p in payloads(facts, "vaccination_recorded")]


def assess(payload: dict[str, Any], sex: str, birth: date) -> growth.Assessment:
    return growth.assess(sex, birth, payload["measured_on"], payload["weight_kg"],
                         payload["length_height_cm"], payload["position"], payload["oedema"],
                         payload["muac_mm"])


def fold_health(facts: Iterable[Fact], birth: date | None, sex: str | None) -> HealthState:
    """A child's health facts, judged against its birth date and sex (unknown: doses unjudged)."""
    live = live_facts(facts)
    known = birth is not None and sex is not None
    measured = sorted(payloads(live, "growth_measured"), key=lambda p: (p["measured_on"], p["record_id"]))
    return HealthState(
        verdicts=epi.judge(birth, doses(live)) if known else [],
        measurements=[Measurement(p["record_id"], p["measured_on"],
                                  assess(p, sex, birth) if known and p["measured_on"] >= birth else None)
                      for p in measured],
        screenings=payloads(live, "screening_recorded"),
        checks=payloads(live, "health_check_recorded"),
    )
