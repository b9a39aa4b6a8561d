"""Education's use cases: check an enrolment or its end against the rules and what education holds,
and say what to store (``Accepted``). No commit and no publish here: the sector kit commits the
record and its event together. An enrolment for a child education has not heard of yet is kept,
not refused; its age rules cannot be checked then (the answer says so).
"""

from typing import Any

from services.education import domain
from services.education.orm import Enrolment
from services.education.repository import EducationStore
from shared.exceptions import NotFound
from shared.kit.checks import check_commune, check_event_date, raise_if
from shared.kit.records import Accepted, Context, pending_judged_by
from shared.rules import schooling

KNOWN = ("date_of_birth", "full_name", "carer_name", "village")  # of the child, from the registry copy
NOT_YET_KNOWN = "the child's birth has not reached education yet; its age could not be checked"


def _judged_age(store: EducationStore, cmd: dict, ctx: Context) -> dict[str, Any] | None:
    """A pending enrolment's age check, once the birth is known (kept whatever it finds: the
    enrolment was accepted; a broken rule is named in ``age_problem``)."""
    child = store.known_child(cmd["child_id"])
    if child is None:
        return None
    year = schooling.parse_school_year(cmd["school_year"])
    problem = domain.check_age(cmd["level"], cmd["grade"], child.date_of_birth, cmd["start_date"], year,
                               cmd["age_exception"])
    return {"age_checked": True, "note": None, "age_problem": problem or None}


@pending_judged_by(_judged_age)
def record_enrolment(store: EducationStore, cmd: dict, ctx: Context) -> Accepted:
    """Record that a child started at a school (``enrolment_recorded``)."""
    year = schooling.parse_school_year(cmd["school_year"])
    child = store.known_child(cmd["child_id"])
    raise_if(domain.check_school_year(cmd["start_date"], year),
             domain.check_grade(cmd["level"], cmd["grade"]),
             check_event_date("start_date", cmd["start_date"], child, ctx.today),
             check_commune(cmd["commune_code"], cmd["start_date"], ctx.units))
    if child is not None:
        raise_if(domain.check_age(cmd["level"], cmd["grade"], child.date_of_birth, cmd["start_date"], year,
                                  cmd["age_exception"]))
    raise_if(domain.check_one_place(cmd["start_date"], store.enrolments_of(cmd["child_id"], year)))
    store.add_enrolment(cmd["child_id"], cmd, year)
    payload = {key: cmd[key] for key in ("school_code", "level", "grade", "school_year", "start_date",
                                         "commune_code", "inclusive", "age_exception")}
    answer = {"age_checked": True} if child is not None else {"age_checked": False, "note": NOT_YET_KNOWN}
    return Accepted("enrolment_recorded", cmd["child_id"], cmd["commune_code"], cmd["start_date"], payload,
                    answer=answer, pending=child is None)


def end_enrolment(store: EducationStore, cmd: dict, ctx: Context) -> Accepted:
    """Close an enrolment (``enrolment_ended``): completed, transferred, dropped out, moved, died."""
    enrolment = store.enrolment(cmd["enrolment_id"])
    if enrolment is None:
        raise_if({"enrolment_id": [f"No enrolment {cmd['enrolment_id']} (or it was voided)."]})
    child = store.known_child(enrolment.child_id)
    raise_if(domain.check_end(enrolment, cmd["ended_on"]),
             check_event_date("ended_on", cmd["ended_on"], child, ctx.today))
    store.end(enrolment, cmd["record_id"], cmd["ended_on"], cmd["reason"])
    payload = {"enrolment_id": enrolment.record_id, "school_code": enrolment.school_code,
               "school_year": schooling.format_school_year(enrolment.school_year),
               "ended_on": cmd["ended_on"], "reason": cmd["reason"], "commune_code": enrolment.commune_code}
    return Accepted("enrolment_ended", enrolment.child_id, enrolment.commune_code, cmd["ended_on"], payload)


def describe(enrolment: Enrolment, child: Any | None) -> dict[str, Any]:
    """An enrolment with what the registry copy knows of its child (None while its birth has not
    reached education)."""
    known = {key: getattr(child, key, None) for key in KNOWN}
    return {"record_id": enrolment.record_id, "child_id": enrolment.child_id, **known,
            "school_code": enrolment.school_code,
            "school_year": schooling.format_school_year(enrolment.school_year),
            "level": enrolment.level, "grade": enrolment.grade, "start_date": enrolment.start_date,
            "commune_code": enrolment.commune_code, "inclusive": enrolment.inclusive,
            "age_exception": enrolment.age_exception, "ended_on": enrolment.ended_on,
            "end_reason": enrolment.end_reason}


def enrolments_of(store: EducationStore, child_id: str) -> list[dict[str, Any]]:
    child = store.known_child(child_id)
    return [describe(e, child) for e in store.enrolments_of(child_id)]


def school_commune(store: EducationStore, school_code: str) -> tuple[str, Any]:
    """The commune of the school's latest enrolment, any year, and its start date; ``NotFound`` for a
    school education never had an enrolment at."""
    latest = store.latest_enrolment_at(school_code)
    if latest is None:
        raise NotFound(f"Không có trường {school_code}: ngành giáo dục chưa có trẻ nào ghi danh ở trường này "
                       f"/ No school {school_code}: education has no enrolment at it.")
    return latest.commune_code, latest.start_date


def roster(store: EducationStore, school_code: str, school_year: str) -> list[dict[str, Any]]:
    """Every enrolment of the school in that year (ended ones too, with their end)."""
    rows = store.roster(school_code, schooling.parse_school_year(school_year))
    children = store.known_children(sorted({e.child_id for e in rows}))
    return [describe(e, children.get(e.child_id)) for e in rows]
