"""Education's calls for one registered child: one enrolment per school year from ``RECORDS_FROM``
(``shared.rules.schooling``): creche from 3 to 36 months, kindergarten at 3-5 by birth year, primary
from 6 by birth year in the grade its birth year gives. Enrolment falls with remoteness, most at
creche age; a few children drop out during the year (``end_enrolment``). Schools are named after
their commune on the 2025 map (``NT-``, ``MG-``, ``TH-`` + code).
"""

import random
from datetime import date, timedelta

from shared.rules import schooling
from shared.rules.admin_units import AdminUnits
from shared.rules.epi import age_in_months
from tools.province.calls import Call, arrival, iso
from tools.province.health_calls import RECORDS_FROM
from tools.province.people import Child

CLASSES_START = (9, 5)
SCHOOL_PREFIX = {schooling.CRECHE: "NT", schooling.KINDERGARTEN: "MG", schooling.PRIMARY: "TH"}
DROPOUT_SHARE = 0.01


def level_of(child: Child, start: date, year: int) -> tuple[str, int | None] | None:
    """The level (and grade) a child belongs in at ``start`` of school ``year``, or None."""
    age = schooling.age_by_year(child.born, year)
    if age >= 6:
        return schooling.PRIMARY, age - 5
    if age >= 3:
        return schooling.KINDERGARTEN, None
    return (schooling.CRECHE, None) if 3 <= age_in_months(child.born, start) < 36 else None


def share(child: Child, level: str) -> float:
    return {schooling.CRECHE: child.home.rate(0.4, 0.1), schooling.KINDERGARTEN: child.home.rate(0.97, 0.8),
            schooling.PRIMARY: child.home.rate(0.995, 0.95)}[level]


def enrolment(rng: random.Random, child: Child, year: int, prefix: str, last: date,
              units: AdminUnits) -> list[Call]:
    start = date(year, *CLASSES_START) + timedelta(days=rng.randint(0, 10))
    placed = level_of(child, start, year)
    if start > last or start < child.registered_on or placed is None:
        return []
    if rng.random() >= share(child, placed[0]):
        return []
    level, grade = placed
    place, record_id = child.place_on(start), f"{prefix}-enrol-{child.n}-{year}"
    made = [Call("education", "record_enrolment", {
        "record_id": record_id, "child_id": child.child_id,
        "school_code": f"{SCHOOL_PREFIX[level]}-{place.current}", "level": level, "grade": grade,
        "school_year": schooling.format_school_year(year), "start_date": iso(start),
        "commune_code": place.code_on(start, units)}, arrival(rng, start))]
    ended = start + timedelta(days=rng.randint(30, 240))
    if rng.random() < DROPOUT_SHARE and ended <= min(last, schooling.last_day(year)):
        made.append(Call("education", "end_enrolment", {
            "record_id": f"{record_id}-end", "enrolment_id": record_id, "ended_on": iso(ended),
            "reason": "dropped_out"}, max(arrival(rng, ended), made[0].arrives)))
    return made


def calls(rng: random.Random, child: Child, prefix: str, as_of: date, units: AdminUnits) -> list[Call]:
    if child.registered_on is None or child.duplicate:
        return []
    last = min(as_of, child.died_on or as_of)
    return [call for year in range(schooling.school_year_of(RECORDS_FROM), schooling.school_year_of(last) + 1)
            if schooling.first_day(year) >= RECORDS_FROM
            for call in enrolment(rng, child, year, prefix, last, units)]
