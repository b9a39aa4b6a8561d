"""Protection's rules on one record, pure: dates in order, one open case per id, one placement and
one allowance at a time, allowance coefficients not below the Decree's and categories fitting the
child's age, something in an update.

Dates and communes are checked as in every sector (``shared.kit.checks``). Each check returns
``Errors`` naming the field at fault.
"""

from datetime import date

from shared.kit.checks import Errors
from shared.rules import protection


def check_not_before(field: str, day: date, start: date, what: str) -> Errors:
    return {field: [f"Before {what} on {start}."]} if day < start else {}


def check_open_case(case, case_id: str) -> Errors:
    if case is None:
        return {"case_id": [f"No case {case_id} (or it was voided)."]}
    if case.closed_on is not None:
        return {"case_id": [f"Case {case_id} was closed on {case.closed_on} ({case.outcome})."]}
    return {}


def check_update(cmd: dict) -> Errors:
    if not any(cmd[key] for key in ("level", "risk", "plan_on", "services", "notes")):
        return {"_schema": ["An update changes something: give a level, risk, plan_on, services or notes."]}
    if cmd["plan_on"] is not None and cmd["plan_on"] > cmd["updated_on"]:
        return {"plan_on": [f"After the update's date {cmd['updated_on']}."]}
    return {}


def check_one_at_a_time(kind: str, start: date, open_episodes: list) -> Errors:
    """A child has one alternative-care placement and one allowance at a time (the highest applicable
    allowance is paid): a new one starts after the open one is ended."""
    if kind == "special_circumstance" or not open_episodes:
        return {}  # a child may be in several groups, recorded at different times
    other = open_episodes[0]
    return {"started_on": [f"The child has an open {kind.replace('_', ' ')} since {other.started_on} "
                           f"(record {other.record_id}); end it first."]}


def check_coefficient(category: str, coefficient: float) -> Errors:
    floor = protection.allowance_categories()[category]["coefficient"]
    if coefficient < floor:
        return {"coefficient": [f"Decree 20/2021 sets {floor} for {category}; a province may pay more, "
                                "not less."]}
    return {}


def check_category_age(category: str, birth: date, started_on: date) -> Errors:
    """The Decree's categories by age (completed years on the start date)."""
    rule = protection.allowance_categories()[category]
    age = started_on.year - birth.year - ((started_on.month, started_on.day) < (birth.month, birth.day))
    if "below_age" in rule and age >= rule["below_age"]:
        return {"category": [f"{category} is for children under {rule['below_age']}; the child is {age} "
                             f"on {started_on}."]}
    if "from_age" in rule and age < rule["from_age"]:
        return {"category": [f"{category} is for children from {rule['from_age']}; the child is {age} "
                             f"on {started_on}."]}
    return {}


def check_standard_level(started_on: date) -> Errors:
    if protection.standard_level(started_on) is None:
        return {"started_on": ["Before the first standard level of Decree 20/2021 (2021-07-01)."]}
    return {}
