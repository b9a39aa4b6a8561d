"""A child as its registry facts AND its provisional records describe it (issue 18).

A sector that met a child before its registration recorded it under a provisional id
(``provisional_child_recorded``). Until a birth is registered for the child, its view row and its
residence come from its records: the earliest record (by ``recorded_on``, then source and record id)
describes it, and it lives in that record's commune from its date of birth, so the sector figures of
the commune count it. Once registered, the registry's facts describe it and the records only add
who met it first, when it was first known (``known_on``) and the mother's name. A record's name may
be missing: the child is then labelled as newborns are, "con của <mother's name>".
"""

from collections.abc import Callable
from typing import Any

from shared.contracts.facts import Fact, live_facts, payloads
from shared.contracts.identity import RECORDED
from shared.contracts.registry import ChildState, fold_child, residence_timeline

NEWBORN_LABEL = "con của {mother}"


def live_records(facts: list[Fact]) -> list[Fact]:
    """The live provisional records, earliest first."""
    records = [f for f in live_facts(facts) if f.event_type == RECORDED]
    return sorted(records, key=lambda f: (f.payload["recorded_on"], f.source, f.record_id))


def label(record: dict[str, Any]) -> str | None:
    return record.get("full_name") or (
        NEWBORN_LABEL.format(mother=record["mother_name"]) if record.get("mother_name") else None)


def first_given(records: list[Fact], key: str) -> Any:
    return next((f.payload[key] for f in records if f.payload.get(key)), None)


def provisional_state(registry_facts: list[Fact], records: list[Fact]) -> ChildState:
    """The registry's state of a child not registered, filled in from its records: its birth (name,
    sex, date of birth) and its residence from that date in the first record's commune (then any
    move the registry recorded)."""
    state, first = fold_child(registry_facts), records[0].payload
    birth = {"full_name": label(first), "sex": first["sex"], "date_of_birth": first["date_of_birth"],
             "commune_code": first["commune_code"], "map_version": first["map_version"]}
    moves = payloads(live_facts(registry_facts), "residence_changed")
    return ChildState(registered=False, birth=birth, residences=residence_timeline(birth, moves),
                      cards=state.cards, date_of_death=state.date_of_death)


def identity_columns(state: ChildState, records: list[Fact], merged: list[str]) -> dict[str, Any]:
    """The view's columns about how the child is known (``ChildView.provisional`` and after)."""
    first = records[0] if records else None
    days = [f.payload["recorded_on"] for f in records]
    if state.registered:
        days.append(state.birth["registration_date"])
    return {
        "provisional": not state.registered and first is not None,
        "known_on": min(days) if days else None,
        "date_of_birth_estimated": False if state.registered else
        (first.payload["date_of_birth_estimated"] if first else None),
        "met_by": first.source if first else None,
        "met_on": first.payload["recorded_on"] if first else None,
        "mother_name": first_given(records, "mother_name"),
        "carer_name": state.birth.get("carer_name") or first_given(records, "carer_name"),
        "merged_ids": merged or None,
    }


def known_birth(registry_facts: list[Fact], read_records: Callable[[], list[Fact]]) -> dict[str, Any]:
    """The birth a child's doses and measurements are judged against: its registered birth, else
    its first live provisional record's date of birth and sex (an estimate is still the best known)."""
    state = fold_child(registry_facts)
    if state.registered:
        return state.birth
    records = live_records(read_records())  # read only for a child not registered
    return {"date_of_birth": records[0].payload["date_of_birth"], "sex": records[0].payload["sex"]} \
        if records else {}
