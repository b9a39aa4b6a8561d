"""Lists as CSV files a commune or school worker opens in a spreadsheet: UTF-8 with a byte-order
mark (so Vietnamese headers show right), CRLF lines, headers "Vietnamese (code)"; each value as people
read it (``Column.show``): dates dd/mm/yyyy, booleans Có/Không, codes by their Vietnamese labels. A
bad query is a 400 naming the URL's parameter in Vietnamese and English, as text; no or a bad token a
401, a token without the right or the area a 403, an unknown school or commune a 404.
"""

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.exceptions import PlatformError, ValidationFailed, http_headers, http_status
from shared.kit.url_args import renamed
from shared.kit.vn_format import day

YES, NO = "Có", "Không"


def plain(value: Any) -> str:
    return "" if value is None else str(value)


def yes_no(value: bool | None) -> str:
    return "" if value is None else YES if value else NO


def labelled(labels: Mapping[str, str]) -> Callable[[Any], str]:
    """A code shown by its label (an unknown code as it is, so nothing is lost)."""
    return lambda value: "" if value is None else labels.get(value, str(value))


def each(show: Callable[[Any], str], between: str = "; ") -> Callable[[Any], str]:
    """A list of values, each shown by ``show``."""
    return lambda values: between.join(show(value) for value in values or ())


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    show: Callable[[Any], str] = plain


# The child a line is about, as every list starts, and where a worker finds it (as the registry gave them).
CHILD = (Column("Mã trẻ (child_id)", "child_id"), Column("Họ tên (full_name)", "full_name"),
         Column("Ngày sinh (date_of_birth)", "date_of_birth", day))
CARER_AND_VILLAGE = (Column("Người chăm sóc (carer_name)", "carer_name"),
                     Column("Thôn/ấp (village)", "village"))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """A cell a spreadsheet shows as text and never runs: a name typed as ``=HYPERLINK(...)`` or
    ``+cmd|...`` (CSV injection) gets a leading apostrophe; a number (``-5``, ``+84...``) stays as it is."""
    if not text.startswith(FORMULA_STARTS):
        return text
    try:
        float(text)
        return text
    except ValueError:
        return "'" + text


def to_csv(columns: Sequence[Column], rows: list[dict]) -> str:
    """The rows as CSV text (BOM, CRLF), each cell shown by its column and made inert."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(column.header for column in columns)
    writer.writerows([inert(column.show(row.get(column.field))) for column in columns] for row in rows)
    return "\ufeff" + out.getvalue()


def csv_response(fetch: Callable[[], list[dict]], columns: Sequence[Column], filename: str,
                 url_names: Mapping[str, str] | None = None) -> tuple:
    """``fetch()`` the rows (a ``PlatformError`` becomes its HTTP status, a bad field named as the URL
    names it: ``url_names`` maps the RPC's field names to the URL's) and answer them as a CSV
    download."""
    try:
        rows = fetch()
    except ValidationFailed as error:
        return error_response(renamed(error, url_names or {}))
    except PlatformError as error:
        return error_response(error)
    return 200, {"Content-Type": "text/csv; charset=utf-8",
                 "Content-Disposition": f'attachment; filename="{filename}"'}, to_csv(columns, rows)


def error_response(error: PlatformError) -> tuple:
    return (http_status(error), {"Content-Type": "text/plain; charset=utf-8", **http_headers(error)},
            str(error))
