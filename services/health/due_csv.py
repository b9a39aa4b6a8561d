"""The defaulter list as CSV for printing: one line per child and dose due, most overdue first
(``shared.kit.csv_export``: UTF-8 with BOM, Vietnamese headers, 400 naming the field)."""

from collections.abc import Callable

from shared.kit.csv_export import csv_response

HEADERS = ("Mã trẻ (child_id)", "Ngày sinh (date_of_birth)", "Vắc xin (antigen)", "Mũi (dose)",
           "Hạn tiêm (due_on)", "Số ngày quá hạn (days_overdue)", "Tình trạng (status)")
FIELDS = ("child_id", "date_of_birth", "antigen", "dose", "due_on", "days_overdue", "status")


def due_csv_response(args, due_vaccinations: Callable[[str, str], list[dict]]) -> tuple:
    commune, as_of = args.get("commune_code"), args.get("as_of")
    return csv_response(lambda: due_vaccinations(commune, as_of), HEADERS, FIELDS,
                        f"due-vaccinations-{commune}-{as_of}.csv")
