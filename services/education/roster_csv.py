"""A school's roster for a school year as CSV (``shared.kit.csv_export``): one line per enrolment, ended
ones with their end, so a head teacher can check the list the platform holds against their own."""

from collections.abc import Callable

from shared.kit.csv_export import csv_response

HEADERS = ("Mã trẻ (child_id)", "Ngày sinh (date_of_birth)", "Cấp học (level)", "Lớp (grade)",
           "Ngày nhập học (start_date)", "Hòa nhập (inclusive)", "Lý do vào học muộn (age_exception)",
           "Ngày thôi học (ended_on)", "Lý do (end_reason)", "Mã ghi danh (enrolment_id)")
FIELDS = ("child_id", "date_of_birth", "level", "grade", "start_date", "inclusive", "age_exception",
          "ended_on", "end_reason", "enrolment_id")


def roster_csv_response(args, school_roster: Callable[[str, str], list[dict]]) -> tuple:
    school, year = args.get("school_code"), args.get("school_year")
    return csv_response(lambda: school_roster(school, year), HEADERS, FIELDS, f"roster-{school}-{year}.csv")
