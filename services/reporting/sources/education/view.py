"""The child view's education section: its enrolments with their ends, where it is enrolled today,
and whether it entered grade 1 on time (by birth year) or late, with the reason recorded."""

from datetime import date
from typing import Any

from services.reporting.orm import ChildView, EducationEnrolment
from services.reporting.repository import ReportingRepository
from shared.rules import schooling


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def enrolled_on(row: EducationEnrolment, day: date) -> bool:
    """The same reading as the indicators: started, not ended (or ended as completed), same year."""
    lasting = schooling.rules()["counts_until_year_end"]
    return (row.school_year == schooling.school_year_of(day) and row.start_date <= day
            and (row.ended_on is None or row.ended_on > day or row.end_reason in lasting))


def _enrolment(row: EducationEnrolment) -> dict[str, Any]:
    return {"enrolment_id": row.record_id, "school_code": row.school_code,
            "school_year": schooling.format_school_year(row.school_year), "level": row.level,
            "grade": row.grade, "start_date": _iso(row.start_date), "ended_on": _iso(row.ended_on),
            "end_reason": row.end_reason, "inclusive": row.inclusive, "age_exception": row.age_exception}


def _grade1_entry(rows: list[EducationEnrolment], born: date | None) -> dict[str, Any] | None:
    first = next((r for r in rows if r.level == schooling.PRIMARY and r.grade == 1), None)
    if first is None:
        return None
    on_time = None if born is None else (
        first.school_year == born.year + schooling.rules()["grade1"]["entry_age_year"])
    return {"school_year": schooling.format_school_year(first.school_year), "on_time": on_time,
            "age_exception": first.age_exception}


def education_section(repo: ReportingRepository, view: ChildView, today: date) -> dict[str, Any]:
    rows = sorted(repo.rows_of(EducationEnrolment, view.child_id), key=lambda r: (r.start_date, r.record_id))
    current = [r for r in rows if enrolled_on(r, today)]
    return {"enrolments": [_enrolment(r) for r in rows],
            "enrolled_now": _enrolment(current[-1]) if current else None,
            "grade1_entry": _grade1_entry(rows, view.date_of_birth)}
