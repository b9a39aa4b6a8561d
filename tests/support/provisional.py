"""Events of children met before their registration (issue 18), as their producers publish them: a
sector's provisional record, a dose under any id, the registry's link and unlink."""

from datetime import date, timedelta
from typing import Any

from shared.contracts.events import make_envelope
from shared.contracts.identity import mint_provisional_id
from tests.support.factories import COMMUNE

BORN = date(2025, 3, 3)  # a Monday on the legacy map


def provisional_record(source: str = "health", record_id: str = "prov-1", **overrides: Any) -> dict:
    """``provisional_child_recorded``: a boy born on ``BORN`` in Lai Châu's commune, labelled
    "con của Lò Thị Hoa", recorded on his day of birth."""
    payload = {"record_id": record_id, "provisional_id": mint_provisional_id(source, record_id),
               "full_name": None, "sex": "male", "date_of_birth": BORN, "date_of_birth_estimated": False,
               "mother_name": "Lò Thị Hoa", "mother_id": None, "carer_name": None,
               "commune_code": COMMUNE, "map_version": "legacy", "facility_code": "TYT-03388",
               "recorded_on": BORN, **overrides}
    return make_envelope("provisional_child_recorded", source, payload["provisional_id"], COMMUNE,
                         payload["recorded_on"], payload)


def dose(child_id: str, record_id: str, antigen: str = "hepb_birth", given_on: date = BORN,
         number: int = 1) -> dict:
    payload = {"record_id": record_id, "antigen": antigen, "dose": number, "given_on": given_on,
               "commune_code": COMMUNE, "facility_code": "TYT-03388", "valid": None,
               "invalid_reason": None}
    return make_envelope("vaccination_recorded", "health", child_id, COMMUNE, given_on, payload)


def birth(child_id: str, record_id: str = "birth-1", registered_after: int = 40, **overrides: Any) -> dict:
    """The boy's birth registered ``registered_after`` days after ``BORN``."""
    registered = BORN + timedelta(days=registered_after)
    payload = {"record_id": record_id, "full_name": "Lò Văn Minh", "sex": "male", "date_of_birth": BORN,
               "registration_date": registered, "commune_code": COMMUNE, "map_version": "legacy",
               "ethnicity": "Thái", "household_poverty": "poor", "on_time": registered_after <= 60,
               "days_to_registration": registered_after, "carer_name": None, "village": None, **overrides}
    return make_envelope("birth_registered", "registry", child_id, COMMUNE, registered, payload)


def link(provisional_id: str, child_id: str, record_id: str = "link-1", linked_on: date = BORN) -> dict:
    payload = {"record_id": record_id, "provisional_id": provisional_id, "child_id": child_id,
               "score": 14.2, "linked_by": "rule:auto", "linked_on": linked_on}
    return make_envelope("identity_linked", "registry", child_id, COMMUNE, linked_on, payload)


def unlink(linked: dict, record_id: str = "unlink-1", unlinked_on: date = BORN) -> dict:
    given = linked["payload"]
    payload = {"record_id": record_id, "link_record_id": given["record_id"],
               "provisional_id": given["provisional_id"], "child_id": given["child_id"],
               "reason": "wrong_match", "unlinked_by": "officer-1", "unlinked_on": unlinked_on}
    return make_envelope("identity_unlinked", "registry", given["child_id"], COMMUNE, unlinked_on, payload)
