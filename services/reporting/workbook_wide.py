"""The workbook's wide sheets (``workbook``): a block of columns per figure or per group.

``Theo xã, phường`` (a district's or province's communes) and ``Theo huyện`` (a legacy province's
districts): a row per place, then the area's total, and a block per figure the catalogue gives a short
label (Tử số, Mẫu số, Tỷ lệ for a share; Số for a count; how many and the median for days), its id
under the label. A breakdown (``Theo giới tính``, ...): a row per figure, a block per group. Rows and
columns come from the report as the page draws them (``report_page``), so each number is the JSON's.
"""

from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.reporting.catalogue import Indicator
from services.reporting.report_page import DIMENSION_TITLES
from services.reporting.workbook_layout import (
    HEADER_ROW,
    Value,
    cells_of,
    fit_height,
    header,
    note,
    print_setup,
    put,
    shape,
    three,
    title_block,
    widths,
)

SUBHEADERS = {"ratio": ["Tử số", "Mẫu số", "Tỷ lệ (%)"], "count": ["Số"],
              "days": ["Số ca", "Trung vị (ngày)"]}
PLACES = (("communes", "Theo xã, phường", "Xã, phường / commune"),
          ("districts", "Theo huyện", "Huyện / district"))
Block = tuple[str, str, list[str]]  # (heading, the id under it, the sub-headers)


def add_places(book: Workbook, report: dict[str, Any], listed: dict[str, Indicator],
               generated_at: datetime) -> None:
    """A sheet per kind of place the report lists (communes, districts)."""
    for key, title, lead in PLACES:
        places = report.get(key) or []
        if not places:
            continue
        columns = [(i, report["indicators"].get(i) or places[0]["indicators"][i]) for i, indicator in
                   listed.items() if indicator.short and i in places[0]["indicators"]]
        kinds = [(i, shape(total)) for i, total in columns]
        blocks = [(listed[i].short or i, i, SUBHEADERS[kind]) for i, kind in kinds]
        rows = [([n, place["code"], place.get("name") or ""],
                 [cells_of(place["indicators"][i], kind) for i, kind in kinds])
                for n, place in enumerate(places, start=1)]
        area = report["area"]
        rows.append((["", area["code"], f"Tổng / total: {area.get('name') or area['code']}"],
                     [cells_of(report["indicators"].get(i) or {}, kind) for i, kind in kinds]))
        heading = f"{title} / by {key[:-1]} ({len(places)})"
        wide_sheet(book.create_sheet(title), report, heading, generated_at,
                   (["STT", "Mã / code", lead], [5, 8, 26]), blocks, rows)


def add_breakdowns(book: Workbook, report: dict[str, Any], listed: dict[str, Indicator],
                   generated_at: datetime) -> None:
    """A sheet per breakdown asked: a row per figure, a block (Tử số, Mẫu số, Tỷ lệ) per group."""
    for name, found in (report.get("breakdowns") or {}).items():
        groups = found["groups"]
        ids = list(found["figures"][groups[0]]) if groups else []
        labels = found.get("labels") or {}
        blocks = [(labels.get(g, g), g, SUBHEADERS["ratio"]) for g in groups]
        rows = [([n, listed[i].vi if i in listed else i, i], [three(found["figures"][g][i]) for g in groups])
                for n, i in enumerate(ids, start=1)]
        title = f"Theo {DIMENSION_TITLES.get(name, (name, name))[0]}"[:31]
        wide_sheet(book.create_sheet(title), report, f"{title} / by {name}", generated_at,
                   (["STT", "Chỉ số / indicator", "Mã chỉ số / id"], [5, 50, 36]), blocks, rows)


def wide_sheet(ws: Worksheet, report: dict[str, Any], heading: str, generated_at: datetime,
               lead: tuple[list[str], list[float]], blocks: list[Block],
               rows: list[tuple[list[Any], list[list[Value]]]]) -> None:
    """Lead columns, then a block of columns per figure or group, under three header rows: the
    block's heading, its id, its sub-headers (the lead's headers span the three)."""
    names, sizes = lead
    width = len(names) + sum(len(subs) for *_, subs in blocks)
    # a block of one column (a count) is wider: it alone holds the block's heading
    widths(ws, sizes + [9 if len(subs) > 1 else 13 for *_, subs in blocks for _ in subs])
    title_block(ws, report, heading, generated_at, width)
    top, ids, subs_row = HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2
    header(ws, top, names)
    for column in range(1, len(names) + 1):
        ws.merge_cells(start_row=top, start_column=column, end_row=subs_row, end_column=column)
    column = len(names) + 1
    for title, code, subs in blocks:
        header(ws, top, [title], column)
        header(ws, ids, [code], column)
        ws.cell(row=ids, column=column).font = Font(italic=True, size=8, color="666666")
        header(ws, subs_row, subs, column)
        if len(subs) > 1:
            last = column + len(subs) - 1
            for row in (top, ids):
                ws.merge_cells(start_row=row, start_column=column, end_row=row, end_column=last)
        column += len(subs)
    ws.row_dimensions[top].height = 45
    first = subs_row + 1
    for offset, (leads, figures) in enumerate(rows):
        values = [(value, None) for value in leads] + [cell for cells in figures for cell in cells]
        for column, value in enumerate(values, start=1):
            put(ws, first + offset, column, value, bold=leads[0] == "")
        fit_height(ws, first + offset, list(zip(leads, sizes, strict=True)))
    note(ws, first + len(rows) + 1, width)
    print_setup(ws, f"{top}:{subs_row}", report, f"{get_column_letter(len(names) + 1)}{first}")
