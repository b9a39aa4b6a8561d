"""The registry's event contract and its fold: what its events say about one child.

Payload schemas of every event the registry publishes, and ``fold_child``, the one reading of a
child's registry facts that the registry (``get_child``) and reporting (the view and the residence
and card periods behind point-in-time indicators) share. The fold does not depend on arrival order:
a child lives in its birth commune from its date of birth, then in each move's commune from its
``moved_on`` (same-day moves ordered by record id); every card counts over its own validity.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from shared.contracts.common import (
    MAP_VERSIONS,
    RecordVoidedSchema,
    commune_code_field,
    record_id_field,
)
from shared.contracts.facts import Fact, live_facts, payloads
from shared.contracts.fields import Identifier, Text, digits

SEXES = ("male", "female")
POVERTY = ("poor", "near_poor", "none")


class BirthRegisteredSchema(Schema):
    record_id = record_id_field()
    full_name = Text(max_length=200, required=True)
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
    date_of_birth = fields.Date(required=True)
    registration_date = fields.Date(required=True)
    commune_code = commune_code_field()
    map_version = fields.String(required=True, validate=validate.OneOf(MAP_VERSIONS))
    ethnicity = Text(max_length=64, load_default=None, allow_none=True)
    household_poverty = fields.String(load_default="none", validate=validate.OneOf(POVERTY))
    on_time = fields.Boolean(required=True)
    days_to_registration = fields.Integer(required=True, strict=True)
    # optional, added later (events without them still load): who cares for the child, and the
    # village (thôn/ấp/bản/tổ dân phố) it lives in, for the lists a health worker or teacher prints
    carer_name = Text(max_length=200, load_default=None, allow_none=True)
    village = Text(max_length=100, load_default=None, allow_none=True)
    # optional (issue 18): the mother, for matching the child's provisional ids; left out when not given
    mother_name = Text(max_length=200, load_default=None, allow_none=True)
    mother_id = digits(12, load_default=None, allow_none=True)


class ResidenceChangedSchema(Schema):
    record_id = record_id_field()
    commune_code = commune_code_field()
    map_version = fields.String(required=True, validate=validate.OneOf(MAP_VERSIONS))
    moved_on = fields.Date(required=True)


class InsuranceCardIssuedSchema(Schema):
    record_id = record_id_field()
    card_number = Identifier(max_length=32, required=True)
    issued_on = fields.Date(required=True)
    valid_to = fields.Date(required=True)


class DeathRecordedSchema(Schema):
    record_id = record_id_field()
    date_of_death = fields.Date(required=True)


EVENTS: dict[str, type[Schema]] = {
    "birth_registered": BirthRegisteredSchema,
    "residence_changed": ResidenceChangedSchema,
    "insurance_card_issued": InsuranceCardIssuedSchema,
    "death_recorded": DeathRecordedSchema,
    "record_voided": RecordVoidedSchema,
}


@dataclass(frozen=True)
class Residence:
    """The child lived in ``commune_code`` (read on ``map_version``) from ``since`` until ``until``
    (exclusive; ``None`` = still)."""

    commune_code: str
    map_version: str
    since: date
    until: date | None = None


@dataclass
class ChildState:
    registered: bool = False
    birth: dict[str, Any] = field(default_factory=dict)
    residences: list[Residence] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    date_of_death: date | None = None

    @property
    def residence(self) -> Residence | None:
        return self.residences[-1] if self.residences else None

    @property
    def card(self) -> dict[str, Any] | None:
        """The latest card issued (what a caseworker asks for); indicators use every card."""
        return max(self.cards, key=lambda c: (c["issued_on"], c["record_id"])) if self.cards else None


def residence_timeline(birth: dict[str, Any] | None, moves: list[dict[str, Any]]) -> list[Residence]:
    starts = [(birth["date_of_birth"], "", birth)] if birth else []
    starts += sorted((m["moved_on"], m["record_id"], m) for m in moves)
    timeline = []
    for index, (since, _, entry) in enumerate(starts):
        until = starts[index + 1][0] if index + 1 < len(starts) else None
        timeline.append(Residence(entry["commune_code"], entry["map_version"], since, until))
    return timeline


def fold_child(facts: Iterable[Fact]) -> ChildState:
    """Fold a child's registry facts into its state; the result does not depend on their order."""
    live = live_facts(facts)
    births = payloads(live, "birth_registered")
    birth = min(births, key=lambda p: (p["registration_date"], p["record_id"])) if births else None
    deaths = [p["date_of_death"] for p in payloads(live, "death_recorded")]
    return ChildState(
        registered=birth is not None,
        birth=birth or {},
        residences=residence_timeline(birth, payloads(live, "residence_changed")),
        cards=payloads(live, "insurance_card_issued"),
        date_of_death=min(deaths) if deaths else None,
    )
