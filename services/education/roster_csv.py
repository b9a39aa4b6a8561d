"""A school's roster for a school year as CSV (``shared.kit.csv_export``): one line per enrolment, ended
ones with their end, so a head teacher can check the list the platform holds against their own; each
child with its name, carer and village as the registry gave them, dates dd/mm/yyyy, level, late-entry
and end reasons in Vietnamese, Có/Không for an inclusive place. An unknown school is a 404."""

from collections.abc import Callable

from shared.kit.csv_export import CARER_AND_VILLAGE, CHILD, Column, csv_response, day, labelled, yes_no
from shared.rules.schooling import labels

COLUMNS = (
    *CHILD,
    *CARER_AND_VILLAGE,
    Column("Cấp học (level)", "level", labelled(labels("level"))),
    Column("Lớp (grade)", "grade"),
    Column("Ngày nhập học (start_date)", "start_date", day),
    Column("Hòa nhập (inclusive)", "inclusive", yes_no),
    Column("Lý do vào học muộn (age_exception)", "age_exception", labelled(labels("age_exception"))),
    Column("Ngày thôi học (ended_on)", "ended_on", day),
    Column("Lý do (end_reason)", "end_reason", labelled(labels("end_reason"))),
    Column("Mã ghi danh (enrolment_id)", "enrolment_id"),
)


def roster_csv_response(args, school_roster: Callable[[str, str], list[dict]]) -> tuple:
    school, year = args.get("school_code"), args.get("school_year")
    return csv_response(lambda: school_roster(school, year), COLUMNS, f"roster-{school}-{year}.csv")
