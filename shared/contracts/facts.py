"""A fact is one sector record as its event described it; voided facts no longer count.

Producers (to answer about a child) and reporting (to keep its view) read a child's facts the same
way (``shared.contracts.load_fact`` loads one through its contract, so dates are ``date`` objects
again). A fact is named by ``(source, record_id)``: two sectors may each have a record ``r1``, and a
void only ever voids a record of its own source.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

VOIDED = "record_voided"


@dataclass(frozen=True)
class Fact:
    source: str
    record_id: str
    event_type: str
    payload: dict[str, Any]


def live_facts(facts: Iterable[Fact]) -> list[Fact]:
    """The facts that still count: neither a void nor voided, in whatever order they arrived."""
    facts = list(facts)
    voided = {(f.source, f.payload["voided_record_id"]) for f in facts if f.event_type == VOIDED}
    return [f for f in facts if f.event_type != VOIDED and (f.source, f.record_id) not in voided]


def payloads(facts: Iterable[Fact], event_type: str) -> list[dict[str, Any]]:
    return [f.payload for f in facts if f.event_type == event_type]


def earliest_ends(live: Iterable[Fact], event_type: str, target: str, day: str) -> dict[str, dict[str, Any]]:
    """The earliest live end (``event_type``) of each record it names in ``target``, by that id:
    an end that arrives before its record, or twice, still reads the same."""
    ends: dict[str, dict[str, Any]] = {}
    for end in sorted(payloads(live, event_type), key=lambda p: (p[day], p["record_id"])):
        ends.setdefault(end[target], end)
    return ends
