"""The protection sector's event contract and its fold. Data minimisation is in the schemas.

Events carry only what aggregates need: the child id, the commune, the case level, concern codes,
the risk band, plan and service codes, outcomes, special-circumstance groups, care forms, allowance
category and amount, and dates. Never notes, narratives or other people's names: no schema here has
a free-text field, and a consumer refuses (``unknown=RAISE``) any field it does not know, so a note
slipped into a payload is a contract breach, not data. ``fold_protection`` reads all of a child's
live facts in any order: each case with its latest level and risk, its first plan and its close;
each special circumstance, placement and allowance with its earliest live end.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from shared.contracts.common import RecordVoidedSchema, commune_code_field, record_id_field
from shared.contracts.facts import Fact, earliest_ends, live_facts, payloads
from shared.contracts.fields import Identifier
from shared.rules import protection


def one_of(key: str, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(protection.codes(key)), **kwargs)


def codes_of(key: str, min_length: int = 0, **kwargs: Any) -> fields.List:
    """A list of distinct codes of ``key`` (``concerns``, ``services``, ``special_circumstances``)."""
    return fields.List(one_of(key), validate=[
        validate.Length(min=min_length, max=len(protection.codes(key))), _distinct], **kwargs)


def _distinct(values: list) -> None:
    if len(set(values)) != len(values):
        raise validate.ValidationError("Give each code once.")


def case_id_field() -> Identifier:
    return Identifier(max_length=64, required=True)


class CaseOpenedSchema(Schema):
    record_id = record_id_field()
    case_id = case_id_field()
    opened_on = fields.Date(required=True)
    commune_code = commune_code_field()
    level = one_of("case_levels", required=True)
    concerns = codes_of("concerns", required=True)
    risk = one_of("risk_bands", required=True)


class CaseUpdatedSchema(Schema):
    record_id = record_id_field()
    case_id = case_id_field()
    updated_on = fields.Date(required=True)
    commune_code = commune_code_field()
    level = one_of("case_levels", required=True, allow_none=True)
    risk = one_of("risk_bands", required=True, allow_none=True)
    plan_on = fields.Date(required=True, allow_none=True)
    services = codes_of("services", required=True)


class CaseClosedSchema(Schema):
    record_id = record_id_field()
    case_id = case_id_field()
    closed_on = fields.Date(required=True)
    commune_code = commune_code_field()
    outcome = one_of("case_outcomes", required=True)


class SpecialCircumstanceRecordedSchema(Schema):
    record_id = record_id_field()
    groups = codes_of("special_circumstances", required=True)
    started_on = fields.Date(required=True)
    commune_code = commune_code_field()


class AlternativeCareRecordedSchema(Schema):
    record_id = record_id_field()
    form = one_of("alternative_care_forms", required=True)
    started_on = fields.Date(required=True)
    commune_code = commune_code_field()


class AllowanceGrantedSchema(Schema):
    record_id = record_id_field()
    category = fields.String(required=True, validate=validate.OneOf(list(protection.allowance_categories())))
    coefficient = fields.Float(required=True, allow_nan=False)
    monthly_amount_vnd = fields.Integer(required=True, strict=True)
    started_on = fields.Date(required=True)
    commune_code = commune_code_field()


def _ended(target: str) -> type[Schema]:
    """An end of an episode (``target``: the field naming the record it ends)."""
    return Schema.from_dict({"record_id": record_id_field(), target: record_id_field(),
                             "ended_on": fields.Date(required=True), "commune_code": commune_code_field()},
                            name=f"{target}_ended")


# event type -> (start event, the field an end names it by)
EPISODES = {"special_circumstance": ("special_circumstance_recorded", "circumstance_id"),
            "alternative_care": ("alternative_care_recorded", "placement_id"),
            "allowance": ("allowance_granted", "allowance_id")}
END_EVENTS = {"special_circumstance": "special_circumstance_ended",
              "alternative_care": "alternative_care_ended", "allowance": "allowance_stopped"}

EVENTS: dict[str, type[Schema]] = {
    "case_opened": CaseOpenedSchema,
    "case_updated": CaseUpdatedSchema,
    "case_closed": CaseClosedSchema,
    "special_circumstance_recorded": SpecialCircumstanceRecordedSchema,
    "alternative_care_recorded": AlternativeCareRecordedSchema,
    "allowance_granted": AllowanceGrantedSchema,
    **{END_EVENTS[kind]: _ended(target) for kind, (_, target) in EPISODES.items()},
    "record_voided": RecordVoidedSchema,
}


@dataclass
class Case:
    case_id: str
    commune_code: str
    opened_on: date
    level: str
    risk: str
    concerns: list[str]
    plan_on: date | None = None
    services: list[str] = field(default_factory=list)
    closed_on: date | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Episode:
    """A special circumstance (``detail``: its groups), a placement (its form) or an allowance (its
    category), from ``started_on`` until ``ended_on`` (exclusive; None = still)."""

    kind: str
    record_id: str
    detail: tuple[str, ...]
    started_on: date
    ended_on: date | None
    amount_vnd: int | None = None


@dataclass
class ProtectionState:
    cases: list[Case] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)


def _cases(live: list[Fact]) -> list[Case]:
    cases = {p["case_id"]: Case(p["case_id"], p["commune_code"], p["opened_on"], p["level"], p["risk"],
                                list(p["concerns"])) for p in payloads(live, "case_opened")}
    for update in sorted(payloads(live, "case_updated"), key=lambda p: (p["updated_on"], p["record_id"])):
        case = cases.get(update["case_id"])
        if case is None:
            continue
        case.level, case.risk = update["level"] or case.level, update["risk"] or case.risk
        case.plan_on = case.plan_on or update["plan_on"]
        case.services = sorted(set(case.services) | set(update["services"]))
    closes = earliest_ends(live, "case_closed", "case_id", "closed_on")
    for case_id, close in closes.items():
        if case_id in cases:
            cases[case_id].closed_on, cases[case_id].outcome = close["closed_on"], close["outcome"]
    return sorted(cases.values(), key=lambda c: (c.opened_on, c.case_id))


def _detail(kind: str, p: dict[str, Any]) -> tuple[str, ...]:
    return tuple(p["groups"]) if kind == "special_circumstance" else (p["form"] if kind == "alternative_care"
                                                                       else p["category"],)


def _episodes(live: list[Fact]) -> list[Episode]:
    episodes = []
    for kind, (start_type, target) in EPISODES.items():
        ends = earliest_ends(live, END_EVENTS[kind], target, "ended_on")
        for p in payloads(live, start_type):
            end = ends.get(p["record_id"], {})
            episodes.append(Episode(kind, p["record_id"], _detail(kind, p), p["started_on"],
                                    end.get("ended_on"), p.get("monthly_amount_vnd")))
    return sorted(episodes, key=lambda e: (e.kind, e.started_on, e.record_id))


def fold_protection(facts: Iterable[Fact]) -> ProtectionState:
    live = live_facts(facts)
    return ProtectionState(cases=_cases(live), episodes=_episodes(live))
