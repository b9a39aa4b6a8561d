"""Lists as CSV files a commune or school worker opens in a spreadsheet: UTF-8 with a byte-order
mark (so Vietnamese headers show right), CRLF lines; a bad query is a 400 naming the field, as text;
no or a bad token a 401, a token without the right or the area a 403."""

import csv
import io
from collections.abc import Callable, Sequence

from shared.exceptions import PlatformError, http_headers, http_status


def to_csv(headers: Sequence[str], fields: Sequence[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(["" if row[name] is None else row[name] for name in fields] for row in rows)
    return "\ufeff" + out.getvalue()


def csv_response(fetch: Callable[[], list[dict]], headers: Sequence[str], fields: Sequence[str],
                 filename: str) -> tuple:
    """``fetch()`` the rows (a ``PlatformError`` becomes its HTTP status) and answer them as a CSV
    download."""
    try:
        rows = fetch()
    except PlatformError as error:
        return (http_status(error), {"Content-Type": "text/plain; charset=utf-8", **http_headers(error)},
                str(error))
    return 200, {"Content-Type": "text/csv; charset=utf-8",
                 "Content-Disposition": f'attachment; filename="{filename}"'}, to_csv(headers, fields, rows)
