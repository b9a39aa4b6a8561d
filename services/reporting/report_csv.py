"""The indicator report as one CSV file (issue 17): the same figures as the workbook, a row per figure
of the area, then (for a district or province) a row per figure of each commune (and each district
asked with ``by=district``), then the area's rows again per group of each breakdown asked, in the
report's order; columns Mã địa bàn, Địa bàn, Mục, Mã chỉ số, Chỉ số, Tử số, Mẫu số, Tỷ lệ (%), Chỉ
tiêu (%), Trung vị (ngày), Nhóm (phân tổ) (a breakdown's group, else empty). Written by
``shared.kit.csv_export.to_csv``: UTF-8 with a byte-order mark, CRLF.

Numbers: counts as plain integers (no thousands separator), a share in percent with two decimals
(the JSON's 0-1 value times 100: 0.6667 -> ``66.67``), a target in percent (``97.20``), written with a
DOT, a hidden count as its mark (``<5``, ``x``), an empty cell where there is nothing. Why a dot and
commas between fields: this is the platform's one CSV dialect (the due vaccinations, the school
roster), and Excel reads a CSV's separator and decimals from the computer's regional settings, so
no single file opens right under both. Under "English (United States)", the formats of the English
Windows most district and commune offices run, it opens by double click with numbers as numbers.
A decimal COMMA would be worse there: ``75,0`` is read as 750 (a thousands separator), a wrong
figure nobody sees; with the dot, the wrong case (Vietnamese formats: decimal comma, ``;`` between
fields) is a visible one, every line in one column. An officer with Vietnamese formats opens the
.xlsx, which carries numbers as numbers and shows them as 75,0 %, or imports this file with Data >
From Text/CSV choosing English (United States). A target is the area's own plan's; a commune's row
reads its own plan (an absorbed province's commune, that province's: ``shared.rules.targets``).
"""

from datetime import date
from typing import Any

from services.reporting.catalogue import Catalogue, Indicator, catalogue
from services.reporting.report_page import DIMENSION_TITLES
from shared.kit.csv_export import Column, to_csv
from shared.rules import targets
from shared.rules.admin_units import AdminUnits, admin_units

HEADERS = ["Mã địa bàn", "Địa bàn", "Mục", "Mã chỉ số", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ (%)",
           "Chỉ tiêu (%)", "Trung vị (ngày)", "Nhóm (phân tổ)"]
FIELDS = ["area_code", "area", "section", "id", "label", "numerator", "denominator", "percent", "target",
          "days", "group"]
COLUMNS = [Column(header, field) for header, field in zip(HEADERS, FIELDS, strict=True)]
CONTENT_TYPE = "text/csv; charset=utf-8"


def report_csv(report: dict[str, Any], declared: Catalogue | None = None,
               units: AdminUnits | None = None) -> str:
    """The CSV text of ``report`` (see the module's docstring)."""
    declared, units = declared or catalogue(), units or admin_units()
    listed = declared.by_id(date.fromisoformat(report["as_of"]))
    area = report["area"]
    goals = {key: entry.get("target") for key, entry in
             ((report.get("progress") or {}).get("indicators") or {}).items()}
    rows = _rows(area["code"], area.get("name"), report["indicators"], listed, declared, goals)
    year = date.fromisoformat(report["as_of"]).year
    communes = report.get("communes") or [] if area["level"] != "commune" else []
    for commune in communes:
        plan = targets.plan_for_area(commune["code"], area["map"], year, units)
        own = {i.id: targets.target(i.target, year, plan).value for i in listed.values() if i.target}
        rows += _rows(commune["code"], commune.get("name"), commune["indicators"], listed, declared, own)
    for district in report.get("districts") or []:  # a legacy province's, asked with by=district
        rows += _rows(district["code"], district.get("name"), district["indicators"], listed, declared, goals)
    return to_csv(COLUMNS, rows + _breakdown_rows(report, listed, declared, goals))


def _breakdown_rows(report: dict[str, Any], listed: dict[str, Indicator], declared: Catalogue,
                    goals: dict[str, float | None]) -> list[dict[str, Any]]:
    """The area's rows once per group of each breakdown asked (``by=sex,...``), the group named in
    the last column (``giới tính: Nữ``), as the workbook's breakdown sheets."""
    area, found = report["area"], []
    for name, breakdown in (report.get("breakdowns") or {}).items():
        title = DIMENSION_TITLES.get(name, (name, name))[0]
        for group in breakdown["groups"]:
            shown = f"{title}: {breakdown.get('labels', {}).get(group, group)}"
            found += [{**row, "group": shown} for row in _rows(
                area["code"], area.get("name"), breakdown["figures"][group], listed, declared, goals)]
    return found


def _rows(code: str, name: str | None, figures: dict[str, dict], listed: dict[str, Indicator],
          declared: Catalogue, goals: dict[str, float | None]) -> list[dict[str, Any]]:
    found = []
    for key, figure in figures.items():
        indicator = listed.get(key)
        if indicator is not None and indicator.hide_zero and figure.get("numerator") == 0:
            continue
        section = declared.section_of(indicator.source) if indicator else None
        found.append({"area_code": code, "area": name or "", "section": section.vi if section else "Khác",
                      "id": key, "label": indicator.vi if indicator else key, **_numbers(figure),
                      "target": _decimal(goals.get(key), places=2)})
    return found


def _numbers(figure: dict[str, Any]) -> dict[str, Any]:
    """Tử số, Mẫu số, Tỷ lệ (%) and Trung vị (ngày) of a figure, a hidden count as its mark."""
    marks = figure.get("suppressed") or {}
    shown = {part: marks.get(part, figure.get(part)) for part in ("numerator", "denominator")}
    value = figure.get("value")
    if figure.get("unit") == "days":
        return {**shown, "percent": None, "days": _decimal(value)}
    is_count = figure.get("denominator") is None and "denominator" not in marks
    percent = None if is_count or value is None else _decimal(round(value * 100, 2), places=2)
    return {**shown, "percent": percent, "days": None}


def _decimal(value: float | None, places: int = 1) -> str | None:
    """A decimal with a dot and ``places`` decimals (``75.00``, ``12.5``); None stays empty."""
    return None if value is None else f"{value:.{places}f}"
