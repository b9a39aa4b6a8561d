"""The defaulter list as CSV for printing: one line per child and dose due, most overdue first.

UTF-8 with a byte-order mark so that a spreadsheet opened on a commune health station's PC shows
Vietnamese headers right; errors are a 400 naming the field, as plain text.
"""

import csv
import io
from collections.abc import Callable

from shared.exceptions import PlatformError

HEADERS = ("Mã trẻ (child_id)", "Ngày sinh (date_of_birth)", "Vắc xin (antigen)", "Mũi (dose)",
           "Hạn tiêm (due_on)", "Số ngày quá hạn (days_overdue)", "Tình trạng (status)")
FIELDS = ("child_id", "date_of_birth", "antigen", "dose", "due_on", "days_overdue", "status")


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows([row[name] for name in FIELDS] for row in rows)
    return "\ufeff" + out.getvalue()


def due_csv_response(args, due_vaccinations: Callable[[str, str], list[dict]]) -> tuple:
    try:
        rows = due_vaccinations(args.get("commune_code"), args.get("as_of"))
    except PlatformError as error:
        return 400, {"Content-Type": "text/plain; charset=utf-8"}, str(error)
    name = f"due-vaccinations-{args.get('commune_code')}-{args.get('as_of')}.csv"
    return 200, {"Content-Type": "text/csv; charset=utf-8",
                 "Content-Disposition": f'attachment; filename="{name}"'}, to_csv(rows)
