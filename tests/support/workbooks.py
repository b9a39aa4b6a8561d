"""Reading the report's workbook back (``services.reporting.workbook``) to compare it with the JSON:
what a figure's Tử số, Mẫu số and Tỷ lệ must be, a figure sheet's rows by id, a wide sheet's blocks."""

FIRST_ROW, ID_COLUMN = 10, 9  # the figure sheets' first row under the header, and the id's column


def expected(figure: dict) -> tuple:
    """Tử số, Mẫu số, Tỷ lệ as the JSON gives them: a hidden count by its mark; a count has no
    denominator or share; a median's days stand where the share would."""
    marks = figure.get("suppressed") or {}
    top, bottom = marks.get("numerator", figure["numerator"]), marks.get("denominator", figure["denominator"])
    if figure.get("unit") == "days":
        return None, bottom, figure["value"]
    if figure["denominator"] is None and "denominator" not in marks:
        return top, None, None
    return top, bottom, figure["value"]


def figure_rows(sheet) -> dict[str, tuple]:
    """Every figure row of a section sheet: id -> (Tử số, Mẫu số, Tỷ lệ)."""
    rows = sheet.iter_rows(min_row=FIRST_ROW, values_only=True)
    return {row[ID_COLUMN - 1]: tuple(row[2:5]) for row in rows
            if isinstance(row[0], int)}


def blocks(sheet, first_column: int) -> list[tuple[str, list[int]]]:
    """The wide sheet's blocks: (the id under the block's heading, its columns)."""
    found: list[tuple[str, list[int]]] = []
    for column in range(first_column, sheet.max_column + 1):
        code = sheet.cell(row=10, column=column).value
        if code:
            found.append((code, []))
        found[-1][1].append(column)
    return found


def section_figures(book) -> dict[str, tuple]:
    """Every figure row of the figure sheets (those before ``Theo xã, phường`` and the breakdowns),
    the first time each id shows."""
    shown: dict[str, tuple] = {}
    for sheet in book.worksheets:
        if sheet["A9"].value != "STT\nno.":  # a wide sheet
            continue
        shown.update({key: cells for key, cells in figure_rows(sheet).items() if key not in shown})
    return shown


def place_mismatches(sheet, report: dict, places: str = "communes") -> list[tuple]:
    """Each place's row (then the area's total) against the JSON: the cells that differ."""
    found = []
    figures_of = {p["code"]: p["indicators"] for p in report[places]}
    rows = [row for row in sheet.iter_rows(min_row=12, values_only=True) if row[1]]
    assert [row[1] for row in rows] == [*figures_of, report["area"]["code"]]
    for row in rows:
        figures = figures_of.get(row[1], report["indicators"])
        for code, columns in blocks(sheet, 4):
            cells, wanted = tuple(row[c - 1] for c in columns), expected(figures[code])
            if cells != {1: wanted[:1], 2: wanted[1:], 3: wanted}[len(cells)]:
                found.append((row[1], code, cells, wanted))
    return found


def breakdown_mismatches(sheet, breakdown: dict) -> list[tuple]:
    """Each figure's row of a breakdown sheet against the JSON, a block per group."""
    groups = blocks(sheet, 4)
    assert [code for code, _ in groups] == breakdown["groups"]
    found = []
    for row in sheet.iter_rows(min_row=12, values_only=True):
        if not row[2]:
            continue
        for group, columns in groups:
            cells, wanted = tuple(row[c - 1] for c in columns), expected(breakdown["figures"][group][row[2]])
            if cells != wanted:
                found.append((row[2], group, cells, wanted))
    return found
