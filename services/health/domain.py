"""Health's rules on one command, pure: which dates and codes are acceptable for a known child.

A record is refused (``Errors`` naming the field) when its date is in the future, before the
child's birth or after its death, when its commune is not on the map in force that day, or when the
schedule has no such antigen or dose. A dose given too early or too soon is NOT refused: it is
stored and judged invalid (``shared.epi``), as WHO counts doses.
"""

from datetime import date

from services.health.orm import KnownChild
from shared import epi
from shared.admin_units import AdminUnits

Errors = dict[str, list[str]]


def check_event_date(field: str, day: date, child: KnownChild | None, today: date) -> Errors:
    if day > today:
        return {field: [f"Must not be in the future (today is {today})."]}
    if child is not None and day < child.date_of_birth:
        return {field: [f"Before the child's birth on {child.date_of_birth}."]}
    if child is not None and child.date_of_death is not None and day > child.date_of_death:
        return {field: [f"After the child's death on {child.date_of_death}."]}
    return {}


def check_commune(code: str, day: date, units: AdminUnits) -> Errors:
    if units.commune(code, day) is None:
        return {"commune_code": [f"{code} is no commune on the {units.map_on(day)} map in force on {day}."]}
    return {}


def check_dose(antigen: str, dose: int, plan: epi.Schedule) -> Errors:
    if antigen not in plan.antigens():
        return {"antigen": [f"Unknown antigen {antigen!r}; the schedule has {', '.join(plan.antigens())}."]}
    if not plan.knows(antigen, dose):
        return {"dose": [f"The schedule has no dose {dose} of {antigen}."]}
    return {}
