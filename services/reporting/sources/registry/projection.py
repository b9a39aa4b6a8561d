"""The registry's projection: the child view's registry columns, residence periods, card periods.

A residence is placed on both maps: a legacy commune also gets its district, its province and its
successor on the 2025 map (the converter's default successor when the commune was split); a commune
recorded on the 2025 map has no legacy placement (a child counted on a date before 1 July 2025 is
registered by then, so every residence in force on such a date was recorded on the legacy map).
Indicators read the period in force on their date, on the map in force on that date.
"""

from typing import Any

from services.reporting.repository import ReportingRepository
from services.reporting.sources.registry.provisional import identity_columns, live_records, provisional_state
from shared.contracts.facts import Fact
from shared.contracts.registry import EVENTS, ChildState, Residence, fold_child
from shared.rules.admin_units import LEGACY, AdminUnits

RESIDENCE_EVENTS = frozenset({"birth_registered", "residence_changed", "record_voided"})
CARD_EVENTS = frozenset({"insurance_card_issued", "record_voided"})
AREA_COLUMNS = ("legacy_province", "legacy_district", "legacy_commune", "current_province",
                "current_commune")


def placement(commune_code: str | None, map_version: str | None, units: AdminUnits) -> dict:
    empty: dict[str, Any] = dict.fromkeys(AREA_COLUMNS)
    if commune_code is None:
        return empty
    if map_version == LEGACY:
        old = units.legacy.get(commune_code)
        new_code = units.legacy_to_current.get(commune_code)
        new = units.current.get(new_code) if new_code else None
        return {**empty, "legacy_province": old and old.province_code,
                "legacy_district": old and old.district_code, "legacy_commune": commune_code,
                "current_province": new and new.province_code, "current_commune": new_code}
    new = units.current.get(commune_code)
    return {**empty, "current_province": new and new.province_code, "current_commune": commune_code}


def residence_row(child_id: str, residence: Residence, units: AdminUnits) -> dict[str, Any]:
    return {"child_id": child_id, "valid_from": residence.since, "valid_to": residence.until,
            "commune_code": residence.commune_code, "map_version": residence.map_version,
            **placement(residence.commune_code, residence.map_version, units)}


def view_row(child_id: str, state: ChildState, units: AdminUnits,
             identity: dict[str, Any] | None = None) -> dict[str, Any]:
    """``identity``: how the child is known (``provisional.identity_columns``); by default, from its
    registry facts alone."""
    birth, card, residence = state.birth, state.card or {}, state.residence
    commune, map_version = (residence.commune_code, residence.map_version) if residence else (None, None)
    return {
        "child_id": child_id,
        "registered": state.registered,
        "full_name": birth.get("full_name"),
        "sex": birth.get("sex"),
        "ethnicity": birth.get("ethnicity"),
        "household_poverty": birth.get("household_poverty"),
        "date_of_birth": birth.get("date_of_birth"),
        "registration_date": birth.get("registration_date"),
        "on_time": birth.get("on_time"),
        "days_to_registration": birth.get("days_to_registration"),
        "commune_code": commune,
        "map_version": map_version,
        "residence_since": residence.since if residence else None,
        **placement(commune, map_version, units),
        "card_number": card.get("card_number"),
        "card_issued_on": card.get("issued_on"),
        "card_valid_to": card.get("valid_to"),
        "date_of_death": state.date_of_death,
        **(identity if identity is not None else identity_columns(state, [], [])),
    }


def project(repo: ReportingRepository, child_id: str, facts: list[Fact], event_type: str,
            units: AdminUnits) -> None:
    """Rewrite the child's registry-owned rows; periods only when this event type can move them
    (and nothing to delete when this is the child's first registry fact)."""
    state, first = fold_child(facts), len(facts) == 1
    repo.save_view(view_row(child_id, state, units))
    if event_type in RESIDENCE_EVENTS:
        repo.replace_residences(child_id, [residence_row(child_id, r, units) for r in state.residences],
                                first)
    if event_type in CARD_EVENTS:
        repo.replace_cards(child_id, [{"child_id": child_id, "issued_on": c["issued_on"],
                                       "valid_to": c["valid_to"]} for c in state.cards], first)


def project_merged(repo: ReportingRepository, child_id: str, units: AdminUnits) -> None:
    """The view, residences and cards of a child from the registry facts and the provisional records
    of ALL its ids (``repo.members``), its earlier rows already cleared (``merging``). Not registered:
    its first record describes it (``provisional``); no registry fact and no record: no view row."""
    facts = repo.facts_for(child_id, "registry")
    records = live_records(repo.provisional_records(child_id))
    state = fold_child(facts)
    if not (state.registered or records or any(f.event_type in EVENTS for f in facts)):
        return
    shown = state if state.registered or not records else provisional_state(facts, records)
    merged = repo.members.get(child_id, [child_id])[1:]
    repo.save_view(view_row(child_id, shown, units, identity_columns(shown, records, merged)))
    repo.replace_residences(child_id, [residence_row(child_id, r, units) for r in shown.residences], True)
    repo.replace_cards(child_id, [{"child_id": child_id, "issued_on": c["issued_on"],
                                   "valid_to": c["valid_to"]} for c in shown.cards], True)
