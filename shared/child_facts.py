"""What the registry's events say about one child, folded in any arrival order.

The registry (to answer ``get_child``) and reporting (to keep its view) both need the same reading
of the registry's event stream, so it lives here, beside the event schemas it interprets. A fact is
one event's payload with its type; voided facts are ignored. The latest residence (by ``moved_on``)
and the latest card (by ``issued_on``) win, whichever arrived first.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.events import EVENT_SCHEMAS


@dataclass(frozen=True)
class Fact:
    record_id: str
    event_type: str
    payload: dict[str, Any]


def fact_from_json(record_id: str, event_type: str, payload: dict[str, Any]) -> Fact:
    """Rebuild a fact from a stored JSON payload (dates back to ``date`` objects)."""
    return Fact(record_id, event_type, EVENT_SCHEMAS[event_type]().load(payload))


@dataclass
class ChildState:
    registered: bool = False
    birth: dict[str, Any] = field(default_factory=dict)
    commune_code: str | None = None
    map_version: str | None = None
    residence_since: date | None = None
    card: dict[str, Any] | None = None
    date_of_death: date | None = None


def voided_ids(facts: Iterable[Fact]) -> set[str]:
    return {f.payload["voided_record_id"] for f in facts if f.event_type == "record_voided"}


def fold_child(facts: Iterable[Fact]) -> ChildState:
    """Fold a child's facts into its state; the result does not depend on the facts' order."""
    facts = list(facts)
    voided = voided_ids(facts)
    live = [f for f in facts if f.record_id not in voided and f.event_type != "record_voided"]
    state = ChildState()
    births = [f.payload for f in live if f.event_type == "birth_registered"]
    if births:
        birth = min(births, key=lambda p: (p["registration_date"], p["record_id"]))
        state.registered, state.birth = True, birth
        state.commune_code, state.map_version = birth["commune_code"], birth["map_version"]
        state.residence_since = birth["date_of_birth"]
    moves = [f.payload for f in live if f.event_type == "residence_changed"]
    if moves:
        move = max(moves, key=lambda p: (p["moved_on"], p["record_id"]))
        state.commune_code, state.map_version = move["commune_code"], move["map_version"]
        state.residence_since = move["moved_on"]
    cards = [f.payload for f in live if f.event_type == "insurance_card_issued"]
    if cards:
        state.card = max(cards, key=lambda p: (p["issued_on"], p["record_id"]))
    deaths = [f.payload["date_of_death"] for f in live if f.event_type == "death_recorded"]
    state.date_of_death = min(deaths) if deaths else None
    return state
