"""The indicator report as an Excel workbook laid out like the official report (issue 17), with openpyxl.

Drawn from the ``indicators`` result and the catalogue, nothing per indicator: sheet 1 ``Tổng hợp``
is the catalogue's first section (the headline: the age-appropriate package and its components),
then the plan's other targeted figures; then one sheet per other catalogue section (its ``sheet``
name), each a row per figure in the report's order with STT, Chỉ số, Tử số, Mẫu số, Tỷ lệ (%), Chỉ
tiêu (%), Chênh lệch (điểm %), Đánh giá and the figure's id (to match the JSON and the CSV); for a
district or province ``Theo xã, phường`` (a row per commune, the short-labelled figures, and the
area's total), ``Theo huyện`` when a legacy province asked for its districts, and one sheet per
breakdown asked (``workbook_wide``). Every sheet opens with the title block and prints on A4
(``workbook_layout``). A breakdown row the page leaves out when zero (``hide_zero``) is left out here.
"""

import re
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from services.reporting import workbook_wide
from services.reporting.catalogue import Catalogue, Indicator, Section, catalogue
from services.reporting.report_page import STATUSES
from services.reporting.workbook_layout import (
    HEADER_ROW,
    STATUS_FILLS,
    fit_height,
    header,
    note,
    print_setup,
    put,
    register,
    target_cells,
    three,
    title_block,
    widths,
)

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ["STT\nno.", "Chỉ số\nindicator", "Tử số\nnumerator", "Mẫu số\ndenominator", "Tỷ lệ (%)\nvalue",
           "Chỉ tiêu (%)\ntarget", "Chênh lệch (điểm %)\ngap (points)", "Đánh giá\nstatus",
           "Mã chỉ số\nindicator id"]
WIDTHS = [5, 62, 12, 13, 10, 10, 13, 22, 36]
HEADER_HEIGHT = 45  # three lines: "Chênh lệch (điểm %)" wraps, then the English
OTHER = Section("other", "Khác", "Other", ())
Row = tuple[str, Indicator | None, dict[str, Any]]  # (id, catalogue entry, figure)


def build(report: dict[str, Any], generated_at: datetime, declared: Catalogue | None = None) -> bytes:
    """The workbook of ``report`` as the bytes of an .xlsx file."""
    book = workbook(report, generated_at, declared)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(report: dict[str, Any], generated_at: datetime, declared: Catalogue | None = None) -> Workbook:
    declared = declared or catalogue()
    listed = declared.by_id(date.fromisoformat(report["as_of"]))
    book = Workbook()
    book.remove(book.active)
    register(book)
    book.properties.title = f"Báo cáo {report['area']['code']} {report['period']['start']}"
    sections = sectioned(report, listed)
    taken: set[str] = set()
    headline = declared.sections[0] if declared.sections else OTHER
    rows = sections.pop(headline.source, [])
    sheet = book.create_sheet(sheet_name(headline, taken))
    figure_sheet(sheet, report, f"{sheet.title}: {headline.vi} / {headline.en}", rows, generated_at,
                 planned(report, listed, {key for key, *_ in rows}))
    for source, found in sections.items():
        section = declared.section_of(source) or OTHER
        sheet = book.create_sheet(sheet_name(section, taken))
        figure_sheet(sheet, report, f"{section.vi} / {section.en}", found, generated_at)
    workbook_wide.add_places(book, report, listed, generated_at)
    workbook_wide.add_breakdowns(book, report, listed, generated_at)
    return book


def sheet_name(section: Section, taken: set[str]) -> str:
    """The section's ``sheet``, or its Vietnamese heading up to a comma or bracket; Excel's rules: at
    most 31 characters, none of ``[]:*?/\\``, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "-", section.sheet or re.split(r"[,(]", section.vi)[0].strip())[:31]
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:27]} ({n})"
    taken.add(name.lower())
    return name


def sectioned(report: dict[str, Any], listed: dict[str, Indicator]) -> dict[str, list[Row]]:
    """The report's figures under their catalogue sections, in the report's order; a figure the
    catalogue does not know goes under "other"; a breakdown row at zero is left out."""
    found: dict[str, list[Row]] = {}
    for key, figure in report["indicators"].items():
        indicator = listed.get(key)
        if indicator is not None and indicator.hide_zero and figure.get("numerator") == 0:
            continue
        found.setdefault(indicator.source if indicator else OTHER.source, []).append((key, indicator, figure))
    return found


def planned(report: dict[str, Any], listed: dict[str, Indicator], shown: set[str]) -> list[Row]:
    """The figures with a target in the plan that the headline does not already show."""
    entries = (report.get("progress") or {}).get("indicators") or {}
    return [(key, listed.get(key), report["indicators"][key]) for key in entries
            if key not in shown and key in report["indicators"]]


def figure_sheet(ws: Worksheet, report: dict[str, Any], heading: str, rows: list[Row],
                 generated_at: datetime, more: list[Row] | None = None) -> None:
    """A row per figure under the title block; ``more`` (the headline's) under a second heading."""
    widths(ws, WIDTHS)
    title_block(ws, report, heading, generated_at, len(COLUMNS))
    header(ws, HEADER_ROW, COLUMNS)
    ws.row_dimensions[HEADER_ROW].height = HEADER_HEIGHT
    row = _rows(ws, report, rows, HEADER_ROW + 1)
    if more:
        progress = report.get("progress") or {}
        cell = ws.cell(row=row + 1, column=1, value=f"Các chỉ tiêu khác của kế hoạch năm "
                       f"{progress.get('year')} / the plan's other targets: {progress.get('plan') or ''}")
        cell.font = Font(bold=True)
        header(ws, row + 2, COLUMNS)
        ws.row_dimensions[row + 2].height = HEADER_HEIGHT
        row = _rows(ws, report, more, row + 3)
    note(ws, row + 1, len(COLUMNS))
    print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", report, f"C{HEADER_ROW + 1}")


def _rows(ws: Worksheet, report: dict[str, Any], rows: list[Row], first: int) -> int:
    """Write the rows from ``first``; the next free row."""
    entries = (report.get("progress") or {}).get("indicators") or {}
    for number, (key, indicator, figure) in enumerate(rows, start=1):
        row = first + number - 1
        entry = entries.get(key)
        values = [(number, None), (indicator.vi if indicator else key, None), *three(figure),
                  *target_cells(entry, STATUSES), (key, None)]
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value)
        fit_height(ws, row, [(values[1][0], WIDTHS[1]), (values[7][0], WIDTHS[7])])
        if entry and entry["status"] in STATUS_FILLS:
            ws.cell(row=row, column=8).fill = STATUS_FILLS[entry["status"]]
    return first + len(rows)
