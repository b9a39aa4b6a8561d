"""What every sheet of the report's workbook shares (``workbook``): the title block an official report
opens with, the header row style, the cells of one figure, and the print setup.

A figure's counts are written as numbers (``#,##0``), its share as a number formatted ``0.0%`` (the
JSON's 0-1 value, so Excel shows 75,0% in Vietnamese settings and formulas can use it), a median in
days as ``0.0 "ngày"``; a hidden count is its mark as text (``<5``, ``x``), explained by the note at
the foot of each sheet. Targets and gaps come from the report's ``progress`` (percent and points),
written as shares too (80 % -> 0.8) so a value, its target and its gap read alike. Each sheet prints
on A4 landscape, fitted to the page's width, its header rows repeated on every page, with the area,
the period and ``Trang n / m`` in the footer.
"""

from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.reporting.report_page import LEVELS, MAPS, VIETNAM_TIME, vn_date
from shared.rules import referrals

TITLE = ("BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU CHĂM SÓC, PHÁT TRIỂN TOÀN DIỆN TRẺ EM "
         "TRONG NHỮNG NĂM ĐẦU ĐỜI")
PROGRAMME = "Theo Quyết định 1437/QĐ-TTg / Decision 1437/QĐ-TTg: chăm sóc, phát triển toàn diện trẻ em"
COUNT, SHARE, GAP, DAYS = "#,##0", "0.0%", "+0.0%;-0.0%;0.0%", '0.0 "ngày"'
MARKS = ("Ô bị ẩn / hidden cells: <5 = từ 1 đến 4 trẻ / 1 to 4 children; x = ẩn để bảo vệ ô nhỏ / "
         "hidden to protect a small cell. Tỷ lệ, chỉ tiêu, chênh lệch: % (chênh lệch: điểm %).")
HEADER_ROW = 9  # the title block takes rows 1-7, row 8 stays blank
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E7E6E6")
STATUS_FILLS = {"on_track": PatternFill("solid", fgColor="C6EFCE"),
                "off_track": PatternFill("solid", fgColor="FFC7CE")}
Value = tuple[Any, str | None]  # a cell's content and its number format
BLANK: Value = (None, None)
LETTERS_PER_WIDTH = 1.15  # letters of a label per unit of column width (a unit is one digit's width)


def shape(figure: dict[str, Any]) -> str:
    """``days`` (a median), ``count`` (no denominator, shown or hidden) or ``ratio``."""
    if figure.get("unit") == "days":
        return "days"
    if figure.get("denominator") is None and "denominator" not in (figure.get("suppressed") or {}):
        return "count"
    return "ratio"


def count(figure: dict[str, Any], name: str) -> Value:
    """A figure's numerator or denominator: a number, its mark when hidden, or nothing."""
    mark = (figure.get("suppressed") or {}).get(name)
    if mark is not None:
        return mark, None
    value = figure.get(name)
    return (value, COUNT) if value is not None else BLANK


def cells_of(figure: dict[str, Any], kind: str) -> list[Value]:
    """The cells of a figure of shape ``kind``: ratio -> numerator, denominator, share; count -> the
    count; days -> how many, the median."""
    if kind == "count":
        return [count(figure, "numerator")]
    if kind == "days":
        return [count(figure, "denominator"), (figure.get("value"), DAYS)]
    value = figure.get("value")
    return [count(figure, "numerator"), count(figure, "denominator"), (value, SHARE if value is not None
                                                                       else None)]


def three(figure: dict[str, Any]) -> list[Value]:
    """A figure in the columns Tử số, Mẫu số, Tỷ lệ, whatever its shape."""
    kind = shape(figure)
    if kind == "count":
        return [*cells_of(figure, kind), BLANK, BLANK]
    return [BLANK, *cells_of(figure, kind)] if kind == "days" else cells_of(figure, kind)


def target_cells(entry: dict[str, Any] | None, labels: dict[str, str]) -> list[Value]:
    """Chỉ tiêu, Chênh lệch, Đánh giá from the figure's ``progress`` entry (none: three blanks)."""
    if not entry:
        return [BLANK, BLANK, BLANK]
    target, gap = entry.get("target"), entry.get("gap")
    return [(None, None) if target is None else (target / 100, SHARE),
            (None, None) if gap is None else (gap / 100, GAP),
            (labels.get(entry["status"], entry["status"]), None)]


def styles() -> list[NamedStyle]:
    """The table's cell styles, registered once per workbook (``register``): a named style per kind of
    cell costs a lookup, where setting border, format and alignment on each cell costs seconds."""
    def named(name: str, number_format: str = "General", **more: Any) -> NamedStyle:
        more.setdefault("alignment", Alignment(vertical="center"))
        return NamedStyle(name=name, border=BOX, number_format=number_format, **more)
    return [named(STYLE_NAMES[COUNT], COUNT), named(STYLE_NAMES[SHARE], SHARE), named(STYLE_NAMES[GAP], GAP),
            named(STYLE_NAMES[DAYS], DAYS), named("ecd-box"),
            named("ecd-mark", alignment=Alignment(horizontal="right", vertical="center")),
            named("ecd-text", alignment=Alignment(wrap_text=True, vertical="center")),
            named("ecd-head", font=Font(bold=True), fill=HEAD_FILL,
                  alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))]


STYLE_NAMES = {COUNT: "ecd-count", SHARE: "ecd-share", GAP: "ecd-gap", DAYS: "ecd-days"}


def register(book: Workbook) -> None:
    for style in styles():
        book.add_named_style(style)


def put(ws: Worksheet, row: int, column: int, value: Value, bold: bool = False) -> Cell:
    """One table cell: a number in its format, a mark (right-aligned), a text, or an empty box."""
    content, number_format = value
    cell = ws.cell(row=row, column=column, value=content)
    if number_format:
        cell.style = STYLE_NAMES[number_format]
    elif isinstance(content, str):
        cell.style = "ecd-mark" if len(content) <= 2 else "ecd-text"
    else:
        cell.style = "ecd-box"
    if bold:
        cell.font = Font(bold=True)
    return cell


def header(ws: Worksheet, row: int, titles: list[str], first: int = 1) -> None:
    for column, text in enumerate(titles, start=first):
        ws.cell(row=row, column=column, value=text).style = "ecd-head"


def fit_height(ws: Worksheet, row: int, texts: list[tuple[Any, float]]) -> None:
    """Make the row as tall as its longest wrapped text (``(text, column width)``) needs: a height
    written in the file is what every spreadsheet shows (LibreOffice does not grow a row to fit)."""
    lines = max((-(-len(text) // max(int(size * LETTERS_PER_WIDTH), 1)) for text, size in texts
                 if isinstance(text, str)), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines


def widths(ws: Worksheet, sizes: list[float]) -> None:
    for column, size in enumerate(sizes, start=1):
        ws.column_dimensions[get_column_letter(column)].width = size


def _freshness(report: dict[str, Any]) -> str:
    """One line: per source, the latest event applied (Vietnam time), and a failed last read."""
    parts = []
    for source, fresh in ((report.get("freshness") or {}).get("sources") or {}).items():
        name = "Chương trình" if source == "programme" else referrals.label("sectors", source)[0]
        latest = fresh.get("applied_up_to")
        shown = _local(latest) if latest else "chưa có / none"
        failed = " (lần cuối không đọc được / last read failed)" if fresh.get("unreachable") else ""
        parts.append(f"{name}: {shown}{failed}")
    return "Dữ liệu cập nhật đến / data applied up to: " + ("; ".join(parts) or "—")


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")


def title_block(ws: Worksheet, report: dict[str, Any], heading: str, generated_at: datetime,
                width: int) -> None:
    """Rows 1-6 (7 blank): the report's title, the sheet's heading, the area, the dates, when it was
    made and how fresh its data is; each row merged across the table's ``width`` columns (their widths
    set first), wrapped, and made as tall as its text needs."""
    area, period = report["area"], report["period"]
    parents = ", ".join(f"{p['name'] or p['code']} ({p['code']})" for p in area.get("parents") or [])
    where = f"; thuộc / in {parents}" if parents else ""
    school = f"; năm học / school year {report['school_year']}" if report.get("school_year") else ""
    lines = [
        (TITLE, Font(bold=True, size=13)), (heading, Font(bold=True, size=12)),
        (f"Địa bàn / area: {area.get('name') or area['code']} (mã / code {area['code']}); cấp / level: "
         f"{LEVELS.get(area['level'], area['level'])}{where}", None),
        (f"Bản đồ hành chính / map: {MAPS.get(area['map'], area['map'])}. Số liệu tính đến ngày / as of: "
         f"{vn_date(report['as_of'])}; kỳ báo cáo / period: {vn_date(period['start'])} – "
         f"{vn_date(period['end'])}{school}", None),
        (f"Lập lúc / generated at: {generated_at.astimezone(VIETNAM_TIME).strftime('%d/%m/%Y %H:%M')} "
         "(giờ Việt Nam, UTC+7). " + PROGRAMME, Font(italic=True, size=9)),
        (_freshness(report), Font(italic=True, size=9)),
    ]
    room = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, width + 1))
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(width, 1))
        lines_needed = -(-len(text) * (font.size if font and font.size else 11) // (11 * room))
        if lines_needed > 1:  # Excel does not grow a merged row to fit: say how tall it is
            ws.row_dimensions[row].height = 15 * lines_needed


def note(ws: Worksheet, row: int, width: int) -> None:
    """The marks explained, under the table."""
    cell = ws.cell(row=row, column=1, value=MARKS)
    cell.font = Font(italic=True, size=9)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(width, 1))


def print_setup(ws: Worksheet, header_rows: str, report: dict[str, Any], freeze: str) -> None:
    """A4 landscape, fitted to the width, ``header_rows`` on every page, the footer, frozen panes."""
    ws.freeze_panes = freeze
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = header_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    area, period = report["area"], report["period"]
    name = (area.get("name") or area["code"]).replace("&", "&&")
    ws.oddFooter.left.text = (f"{name} ({area['code']}), {vn_date(period['start'])} – "
                              f"{vn_date(period['end'])}")
    ws.oddFooter.right.text = "Trang &P / &N"
