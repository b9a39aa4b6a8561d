"""Pure projection: a child's folded registry state -> the columns of its view row.

The residence is placed on both maps: a legacy commune also gets its district, its province and its
successor on the 2025 map (the converter's default successor when the commune was split); a commune
recorded on the 2025 map has no legacy placement. Indicators then filter on whichever map is in
force on the date asked about.
"""

from typing import Any

from shared.admin_units import LEGACY, AdminUnits
from shared.child_facts import ChildState


def placement(commune_code: str | None, map_version: str | None, units: AdminUnits) -> dict:
    empty = dict.fromkeys(("legacy_province", "legacy_district", "legacy_commune",
                           "current_province", "current_commune"))
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


def project_child(child_id: str, state: ChildState, units: AdminUnits) -> dict[str, Any]:
    birth, card = state.birth, state.card or {}
    return {
        "child_id": child_id,
        "registered": state.registered,
        "full_name": birth.get("full_name"),
        "sex": birth.get("sex"),
        "date_of_birth": birth.get("date_of_birth"),
        "registration_date": birth.get("registration_date"),
        "on_time": birth.get("on_time"),
        "days_to_registration": birth.get("days_to_registration"),
        "commune_code": state.commune_code,
        "map_version": state.map_version,
        "residence_since": state.residence_since,
        **placement(state.commune_code, state.map_version, units),
        "card_number": card.get("card_number"),
        "card_issued_on": card.get("issued_on"),
        "card_valid_to": card.get("valid_to"),
        "date_of_death": state.date_of_death,
    }
