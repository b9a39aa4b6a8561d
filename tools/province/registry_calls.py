"""The registry's calls for one child: its birth (on the map in force on the registration day),
an insurance card (most children; valid until the day before the 6th birthday), a move, a death,
and, for a birth registered twice, the void of the duplicate.
"""

import random
from datetime import date, timedelta

from shared.rules.admin_units import AdminUnits
from shared.rules.epi import add_months
from tools.province import names
from tools.province.calls import Call, arrival, iso
from tools.province.people import Child

DUPLICATE_REASON = "Đăng ký trùng / registered twice"
TOWNS = ("Phường", "Thị trấn")  # communes whose villages are tổ dân phố


def birth_record(child: Child, prefix: str, units: AdminUnits) -> dict:
    """The birth as the registry is sent it; carer and village drawn from the child's own id, so the
    province's other random draws (and its figures) stay as they were."""
    own = random.Random(child.child_id)
    return {"record_id": f"{prefix}-birth-{child.n}", "child_id": child.child_id,
            "full_name": child.full_name, "sex": child.sex, "date_of_birth": iso(child.born),
            "registration_date": iso(child.registered_on),
            "commune_code": child.home.code_on(child.registered_on, units),
            "ethnicity": child.ethnicity, "household_poverty": child.poverty,
            "carer_name": names.carer_name(own, child.ethnicity),
            "village": names.village(own, child.ethnicity, child.home.name.startswith(TOWNS))}


def card_call(rng: random.Random, child: Child, prefix: str, as_of: date) -> list[Call]:
    if rng.random() >= child.home.rate(0.98, 0.83):
        return []
    issued = child.registered_on + timedelta(days=rng.randint(0, 45))
    if issued > as_of:
        return []
    record = {"record_id": f"{prefix}-card-{child.n}", "child_id": child.child_id,
              "card_number": f"TE1{child.child_id}", "issued_on": iso(issued),
              "valid_to": iso(add_months(child.born, 72) - timedelta(days=1))}
    return [Call("registry", "issue_insurance_card", record, issued)]


def calls(rng: random.Random, child: Child, prefix: str, as_of: date, units: AdminUnits) -> list[Call]:
    if child.registered_on is None:
        return []
    made = [Call("registry", "register_birth", birth_record(child, prefix, units), child.registered_on)]
    if child.duplicate:  # its only record here is the one withdrawn
        return [*made, Call("registry", "void_record", {"record_id": f"{prefix}-birth-{child.n}",
                                                        "reason": DUPLICATE_REASON},
                            child.registered_on + timedelta(days=rng.randint(10, 90)))]
    made += card_call(rng, child, prefix, as_of)
    if child.moved:
        day, place = child.moved
        made.append(Call("registry", "change_residence", {
            "record_id": f"{prefix}-move-{child.n}", "child_id": child.child_id,
            "commune_code": place.code_on(day, units), "moved_on": iso(day)}, arrival(rng, day)))
    if child.died_on:
        made.append(Call("registry", "record_death", {
            "record_id": f"{prefix}-death-{child.n}", "child_id": child.child_id,
            "date_of_death": iso(child.died_on)}, arrival(rng, child.died_on)))
    return made
