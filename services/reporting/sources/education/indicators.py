"""The plan's education indicators for an area on a date (BRIEF section 9, indicators 14-17, and
out-of-school children 6-8), for the school year ``as_of`` falls in.

Same frame as the registry's: children counted where they lived on ``as_of``, known by then
(registered, or recorded provisionally before the registration: issue 18) and alive then; every
figure is a conditional count in the area's one statement. A child is
enrolled on ``as_of`` when one of its enrolments of that school year started by then and had not
ended (an end marked "completed" lasts to the end of the school year), so a child who transferred is
counted once, and a child who moved is counted where it lives, not where its school is. Ages for
kindergarten, age 5, grade 1 and school age are by birth year; creche and inclusive-education ages
are exact (``data/education_rules.yaml``). Disability comes from health's screenings; the inclusive
education figure could identify a child in a small commune, so its counts are made for the whole
province and small-cell suppressed with protection's (``province_cells``).
"""

from datetime import date
from typing import Any

from sqlalchemy import and_, exists, not_, or_

from services.reporting import repository as q
from services.reporting.orm import ChildView, EducationEnrolment, HealthScreening
from shared.rules import epi, schooling
from shared.rules.schooling import CRECHE, KINDERGARTEN, PRIMARY


def _living(as_of: date):
    """Known by ``as_of`` (registered, or recorded provisionally: a sector's figures count the
    children it serves before their registration, issue 18), alive then and born by then."""
    return and_(q.known_by(as_of), q.alive_on(as_of), ChildView.date_of_birth <= as_of)


def _by_year(year: int, youngest: int, oldest: int):
    first, _ = schooling.born_in(year, oldest)
    _, last = schooling.born_in(year, youngest)
    return and_(ChildView.date_of_birth >= first, ChildView.date_of_birth <= last)


def _aged_months(as_of: date, low: int, high: int):
    """``low`` months old or more and younger than ``high`` months on ``as_of``."""
    return and_(q.born_after(epi.add_months(as_of, -high)),
                ChildView.date_of_birth <= epi.add_months(as_of, -low))


def _enrolled(as_of: date, year: int, *extra):
    lasting = schooling.rules()["counts_until_year_end"]
    e = EducationEnrolment
    return exists().where(e.child_id == ChildView.child_id, e.school_year == year, e.start_date <= as_of,
                          or_(e.ended_on.is_(None), e.ended_on > as_of, e.end_reason.in_(lasting)), *extra)


def _entered_grade1(as_of: date, year: int):
    e = EducationEnrolment
    return exists().where(e.child_id == ChildView.child_id, e.school_year == year, e.level == PRIMARY,
                          e.grade == 1, e.start_date <= as_of)


def _disabled(as_of: date):
    rule = schooling.indicator_rules()["disability"]
    s = HealthScreening
    return q.among_few(s, s.kind == rule["screening_kind"], s.result.in_(rule["results"]),
                       s.screened_on <= as_of)


def conditions(as_of: date, start: date, end: date) -> dict[str, Any]:
    rule, year, living = schooling.indicator_rules(), schooling.school_year_of(as_of), _living(as_of)
    age5, age6 = rule["universal_preschool_age_year"], schooling.rules()["grade1"]["entry_age_year"]
    e = EducationEnrolment
    counted = {
        "creche_aged": and_(living, _aged_months(as_of, *rule["creche_age_months"])),
        "kindergarten_aged": and_(living, _by_year(year, *rule["kindergarten_age_years"])),
        "age5": and_(living, _by_year(year, age5, age5)),
        "grade1_cohort": and_(living, _by_year(year, age6, age6)),
        "school_aged": and_(living, _by_year(year, *rule["out_of_school_age_years"])),
    }
    counted.update({
        "creche_enrolled": and_(counted["creche_aged"], _enrolled(as_of, year, e.level == CRECHE)),
        "kindergarten_enrolled": and_(counted["kindergarten_aged"],
                                      _enrolled(as_of, year, e.level == KINDERGARTEN)),
        "age5_enrolled": and_(counted["age5"], _enrolled(as_of, year, e.level == KINDERGARTEN)),
        "grade1_on_time": and_(counted["grade1_cohort"], _entered_grade1(as_of, year)),
        "out_of_school": and_(counted["school_aged"], not_(_enrolled(as_of, year))),
    })
    return counted


def suppressed_conditions(as_of: date) -> dict[str, Any]:
    """The counts of children with a disability (they could identify a child), counted for the whole
    province."""
    rule, year = schooling.indicator_rules(), schooling.school_year_of(as_of)
    disabled = and_(_living(as_of), _aged_months(as_of, *rule["inclusive_age_months"]), _disabled(as_of))
    inclusive = and_(disabled, _enrolled(as_of, year, EducationEnrolment.inclusive.is_(True)))
    return {"disabled_3_8": disabled, "disabled_3_8_inclusive": inclusive}
