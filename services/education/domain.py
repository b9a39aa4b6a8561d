"""Education's rules on one enrolment, pure: school year, level and grade, age, one school at a time.

* The start date lies in the school year named (``shared.rules.schooling``: 1 August to 31 July).
* A grade is given for primary (1-5) and only for primary.
* Creche: 3 to 36 months on the start date. Kindergarten: 3 to 5 by birth year; older (up to the
  grade-1 delay) only with an ``age_exception``. Grade g: not before the school year the child is
  5 + g by birth year (grade 1 at 6, no early entry); grade 1 later than that only with an
  ``age_exception`` and at most ``max_delay_years`` late (Law on Education 2019 art. 28).
* A child is never enrolled in two places at once: a new enrolment may not start while another of
  the same school year is open (a transfer is an end, then a new enrolment).
Each check returns ``Errors`` naming the field at fault; ages are checked only once education knows
the child's birth.
"""

from datetime import date

from shared.kit.checks import Errors
from shared.rules import epi, schooling
from shared.rules.schooling import CRECHE, KINDERGARTEN, PRIMARY


def _exception_needed(reason: str) -> Errors:
    codes = ", ".join(schooling.exceptions())
    return {"age_exception": [f"{reason} Give the documented reason as age_exception (one of: {codes})."]}


def check_school_year(start_date: date, school_year: int) -> Errors:
    first, last = schooling.first_day(school_year), schooling.last_day(school_year)
    if not first <= start_date <= last:
        return {"start_date": [f"Not in school year {schooling.format_school_year(school_year)} "
                               f"({first} to {last})."]}
    return {}


def check_grade(level: str, grade: int | None) -> Errors:
    grades = schooling.rules()["levels"]["primary"]["grades"]
    if level == PRIMARY and grade is None:
        return {"grade": ["A primary enrolment needs its grade (1-5)."]}
    if level == PRIMARY and grade > grades:
        return {"grade": [f"Primary school has grades 1 to {grades}."]}
    if level != PRIMARY and grade is not None:
        return {"grade": [f"Only primary enrolments have a grade, not {level}."]}
    return {}


def _creche(birth: date, start: date) -> Errors:
    rule = schooling.rules()["levels"][CRECHE]
    months = epi.age_in_months(birth, start)
    if not rule["min_age_months"] <= months < rule["max_age_months"]:
        return {"level": [f"Creche takes children of {rule['min_age_months']} to {rule['max_age_months']} "
                          f"months; the child is {months} months old on {start}."]}
    return {}


def _kindergarten(birth: date, year: int, exception: str | None) -> Errors:
    rule, delay = schooling.rules()["levels"][KINDERGARTEN], schooling.rules()["grade1"]["max_delay_years"]
    age = schooling.age_by_year(birth, year)
    if age < rule["min_age_year"] or age > rule["max_age_year"] + delay:
        return {"level": [f"Kindergarten takes children of {rule['min_age_year']} to {rule['max_age_year']} "
                          f"by birth year; a child born in {birth.year} is {age} in "
                          f"{schooling.format_school_year(year)}."]}
    if age > rule["max_age_year"] and exception is None:
        return _exception_needed(f"A child born in {birth.year} is {age} by birth year and belongs in "
                                 "primary school.")
    return {}


def _primary(birth: date, year: int, grade: int, exception: str | None) -> Errors:
    rule = schooling.rules()["grade1"]
    on_time = birth.year + rule["entry_age_year"] + grade - 1
    if year < on_time:
        return {"grade": [f"A child born in {birth.year} enters grade {grade} in "
                          f"{schooling.format_school_year(on_time)} at the earliest (grade 1 at "
                          f"{rule['entry_age_year']}, counted by birth year)."]}
    if grade == 1 and year - on_time > rule["max_delay_years"]:
        return {"grade": [f"Grade 1 may start at most {rule['max_delay_years']} years late; a child born in "
                          f"{birth.year} was due in {schooling.format_school_year(on_time)}."]}
    if grade == 1 and year > on_time and exception is None:
        return _exception_needed(f"A child born in {birth.year} enters grade 1 on time in "
                                 f"{schooling.format_school_year(on_time)}; this is {year - on_time} "
                                 "year(s) late.")
    return {}


def check_age(level: str, grade: int | None, birth: date, start: date, year: int,
              exception: str | None) -> Errors:
    if level == CRECHE:
        return _creche(birth, start)
    if level == KINDERGARTEN:
        return _kindergarten(birth, year, exception)
    return _primary(birth, year, grade, exception) if grade is not None else {}


def check_one_place(start: date, open_enrolments: list) -> Errors:
    """``open_enrolments``: the child's live enrolments of the same school year."""
    for other in open_enrolments:
        if other.ended_on is None or other.ended_on > start:
            until = f"until {other.ended_on}" if other.ended_on else "with no end recorded"
            return {"start_date": [f"The child is enrolled at {other.school_code} from {other.start_date} "
                                   f"{until} (enrolment {other.record_id}); end that enrolment first "
                                   "(a transfer is an end, then a new enrolment)."]}
    return {}


def check_end(enrolment, ended_on: date) -> Errors:
    if enrolment.ended_on is not None:
        return {"enrolment_id": [f"Enrolment {enrolment.record_id} already ended on {enrolment.ended_on} "
                                 f"({enrolment.end_reason})."]}
    if ended_on < enrolment.start_date:
        return {"ended_on": [f"Before the enrolment started on {enrolment.start_date}."]}
    last = schooling.last_day(enrolment.school_year)
    if ended_on > last:
        return {"ended_on": [f"After its school year {schooling.format_school_year(enrolment.school_year)} "
                             f"ended on {last}."]}
    return {}
