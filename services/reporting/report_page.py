"""The indicator report as an HTML page a provincial officer can open, print on A4 or read on a phone.

Drawn from Jinja2 templates (``templates/``, every value escaped) from the ``indicators`` result and
the catalogue: the area and where it lies (the province of a commune), the date and period in
Vietnamese format (dd/mm/yyyy), how fresh each source's data is, one table per catalogue section
(its heading, each figure's Vietnamese and English label, numerator, denominator and percentage in
Vietnamese number format: 1.234 and 75,0 %), for a district or province asked ``by=commune`` the
figures with a short label per commune, cut into tables of ``FIGURES_PER_TABLE`` that fit A4
landscape (the page then prints landscape), and when the page was generated (Vietnam time). On a
narrow screen the numerator and denominator fold under the value, and wide tables scroll in their
own box. A median shows as days; a breakdown row (referrals by sector pair or reason) is left out
when zero; a suppressed cell shows its mark (``<5``, ``x``). ``render_error`` is the page for a query
that could not be answered, naming each parameter at fault; ``render_refusal`` the one for a 401
(saying how to get and send a token) or 403.
"""

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.reporting.catalogue import Catalogue, Indicator, catalogue
from shared.kit import vn_format
from shared.rules import referrals
from shared.rules.clock import VIETNAM_TIME

HTML = {"Content-Type": "text/html; charset=utf-8"}  # every page's answer header
LEVELS = {"province": "Tỉnh / province", "district": "Huyện / district (bản đồ cũ, legacy map)",
          "commune": "Xã, phường / commune"}
MAPS = {"legacy": "trước 1/7/2025 (63 tỉnh) / legacy", "2025": "từ 1/7/2025 (34 tỉnh) / 2025"}
STYLE = (
    "body{font-family:sans-serif;margin:1.5em auto;max-width:60em;padding:0 .8em;color:#111}"
    "table{border-collapse:collapse;width:100%;margin:.8em 0}caption{text-align:left;color:#555}"
    "td,th{border:1px solid #999;padding:.35em .5em;text-align:left;vertical-align:top;"
    "overflow-wrap:break-word}th{background:#eee}td.n{text-align:right;white-space:nowrap}"
    "small{color:#555}.sub{display:none}.wide{overflow-x:auto;max-width:100%}"
    "table.communes{width:auto;font-size:.9em}.wide>table:not(.communes){min-width:32em}"
    "td.place{min-width:9em}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.4em}"
    "@media (max-width:40em){body{margin:.8em auto;padding:0 .4em}td,th{padding:.3em}"
    "table.figures .nd{display:none}table.figures .sub{display:block}}"
    "@page{size:A4;margin:15mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}.wide{overflow:visible}"
    "thead{display:table-header-group}tr{break-inside:avoid}h2{break-after:avoid}"
    "table.communes{font-size:8pt}table.communes td,table.communes th{padding:.2em .3em}"
    "td.place{min-width:0;width:9em}}"
)
# A page with the by-commune tables prints on A4 landscape; FIGURES_PER_TABLE figures (3 columns
# each) and the commune column fit its printable width (277 mm; the browser test measures it).
LANDSCAPE = "@page{size:A4 landscape;margin:10mm}"
FIGURES_PER_TABLE = 6


# The page's names for the one Vietnamese formatting (``shared.kit.vn_format``), as its templates use them.
vn_number, vn_percent, vn_decimal = vn_format.number, vn_format.share, vn_format.decimal
vn_date = vn_format.day


@cache
def templates() -> Environment:
    found = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(default=True, default_for_string=True),
                        trim_blocks=True, lstrip_blocks=True)
    found.filters.update(vn_date=vn_date, part=part, shown=shown, points=points, gap=gap)
    return found


def part(figure: dict[str, Any], name: str) -> str:
    """A figure's numerator or denominator: a count, the mark of a suppressed one, or a dash."""
    mark = (figure.get("suppressed") or {}).get(name)
    value = figure.get(name)
    if mark is not None:
        return mark
    if value is None:
        return "—"
    return value if isinstance(value, str) else vn_number(value)


def shown(figure: dict[str, Any]) -> str:
    """A count, a percentage, or days (a median: ``12,5 ngày``)."""
    value = figure["value"]
    if figure.get("unit") == "days":
        return "—" if value is None else f"{vn_decimal(value)} ngày / days"
    if figure["denominator"] is None and "denominator" not in (figure.get("suppressed") or {}):
        return part(figure, "value")  # a plain count
    return vn_percent(value)


STATUSES = {"on_track": "Đạt tiến độ / on track", "off_track": "Chậm tiến độ / off track",
            "no_target": "Kế hoạch không có chỉ tiêu số / no numeric target",
            "no_data": "Chưa có số liệu / no data"}


def points(value: float | None) -> str:
    """A percentage given in percent (progress: 0-100)."""
    return vn_format.percent(value)


def gap(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}".replace(".", ",") + " điểm % / points"


def _progress(report: dict[str, Any], listed: dict[str, Indicator]) -> dict[str, Any] | None:
    """The progress block with each figure's labels and status in words; None when it has no row."""
    found = report.get("progress")
    if not found or not found.get("indicators"):
        return None
    rows = [{"vi": listed[key].vi if key in listed else key, "en": listed[key].en if key in listed else "",
             "entry": entry, "status": STATUSES.get(entry["status"], entry["status"])}
            for key, entry in found["indicators"].items()]
    return {"year": found["year"], "plan": found["plan"], "rows": rows}


DIMENSION_TITLES = {"sex": ("giới tính", "sex"), "age_band": ("nhóm tuổi", "age band"),
                    "ethnicity": ("dân tộc", "ethnic group"), "poverty": ("hộ nghèo", "household poverty"),
                    "disability": ("khuyết tật", "disability")}


def _breakdowns(report: dict[str, Any], listed: dict[str, Indicator]) -> list[dict[str, Any]]:
    """One table per breakdown asked: a row per figure, a column per group."""
    tables = []
    for name, found in (report.get("breakdowns") or {}).items():
        groups = [{"id": g, "label": found.get("labels", {}).get(g, g)} for g in found["groups"]]
        ids = list(found["figures"][found["groups"][0]]) if found["groups"] else []
        rows = [{"vi": listed[i].vi if i in listed else i,
                 "figures": [found["figures"][g["id"]][i] for g in groups]} for i in ids]
        vi, en = DIMENSION_TITLES.get(name, (name, name))
        tables.append({"name": en, "title": vi, "groups": groups, "rows": rows})
    return tables


def _hidden(indicator: Indicator | None, figure: dict[str, Any]) -> bool:
    return indicator is not None and indicator.hide_zero and figure.get("numerator") == 0


def _sections(report: dict[str, Any], listed: dict[str, Indicator], declared: Catalogue) -> list[dict]:
    """The report's figures under their catalogue sections, in the report's order; a figure the
    catalogue does not know goes under "other" with its id."""
    found: dict[str, dict[str, Any]] = {}
    for key, figure in report["indicators"].items():
        indicator = listed.get(key)
        if _hidden(indicator, figure):
            continue
        source = indicator.source if indicator else "other"
        if source not in found:
            section = declared.section_of(source)
            vi, en = (section.vi, section.en) if section else ("Khác", "Other")
            found[source] = {"vi": vi, "en": en, "rows": []}
        found[source]["rows"].append({"vi": indicator.vi if indicator else key,
                                      "en": indicator.en if indicator else "", "figure": figure})
    return list(found.values())


def _columns(report: dict[str, Any], listed: dict[str, Indicator]) -> list[dict[str, str]]:
    communes = report.get("communes") or []
    first = communes[0]["indicators"] if communes else {}
    return [{"id": key, "short": indicator.short, "vi": indicator.vi} for key, indicator in listed.items()
            if indicator.short and key in first]


def _tables(columns: list[dict[str, str]], per_table: int = FIGURES_PER_TABLE) -> list[list[dict[str, str]]]:
    """The by-commune figures cut into tables of at most ``per_table`` figures (each table repeats
    the commune column), so every column is on paper."""
    return [columns[at:at + per_table] for at in range(0, len(columns), per_table)]


def _freshness(report: dict[str, Any]) -> list[dict[str, str]]:
    """Per source: the latest event applied and when its log was last found complete (Vietnam time)."""
    rows = []
    for source, fresh in ((report.get("freshness") or {}).get("sources") or {}).items():
        vi, en = referrals.label("sectors", source) if source != "programme" else (
            "Chương trình", "programme")
        latest = _local(fresh["applied_up_to"]) or "chưa có / none"
        checked = (f"đối chiếu nhật ký / log checked {_local(fresh['log_checked_at'])}"
                   if fresh["log_checked_at"] else "chưa đối chiếu / log not checked yet")
        trouble = f" (lần cuối không đọc được / last try failed: {fresh['unreachable']})" \
            if fresh.get("unreachable") else ""
        text = f"sự kiện mới nhất / latest event {latest}, {checked}{trouble}"
        rows.append({"vi": vi, "en": en, "text": text})
    return rows


def _local(iso: str | None) -> str | None:
    return datetime.fromisoformat(iso).astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M") if iso else None


def _where(area: dict[str, Any]) -> str:
    return ", ".join(f"{p['name'] or p['code']} ({p['code']})" for p in area.get("parents", []))


def render_report(report: dict[str, Any], generated_at: datetime, declared: Catalogue | None = None,
                  by: Sequence[str] = ()) -> str:
    """The page of ``report``, its figures labelled and grouped as ``declared`` (by default the
    catalogue loaded at start) says; ``by`` what the URL asked (``commune`` on a commune's page: a
    note that no commune lies under it)."""
    area, declared = report["area"], declared or catalogue()
    listed = declared.by_id(date.fromisoformat(report["as_of"]))
    communes = report.get("communes") or []
    return templates().get_template("report.html").render(
        title=f"{area.get('name') or area['code']} ({area['code']})", report=report,
        style=STYLE + LANDSCAPE if communes else STYLE, area_name=area.get("name") or area["code"],
        level=LEVELS.get(area["level"], area["level"]), parents=_where(area),
        map=MAPS.get(area["map"], area["map"]), sections=_sections(report, listed, declared),
        communes=communes, tables=_tables(_columns(report, listed)), per_table=FIGURES_PER_TABLE,
        no_communes="commune" in by and area["level"] == "commune",
        freshness=_freshness(report), progress=_progress(report, listed),
        breakdowns=_breakdowns(report, listed),
        stamp=generated_at.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M"))


REFUSAL_TITLES = {401: ("Cần đăng nhập / sign-in needed",
                        "Trang này cần mã truy cập (token) hợp lệ / this page needs a valid token"),
                  403: ("Không có quyền / not allowed",
                        "Mã truy cập không cho xem trang này / the token does not allow this page")}


def render_refusal(status: int, reason: str) -> str:
    """The page for a 401 or 403: what is missing, in Vietnamese and English, and why."""
    title, lead = REFUSAL_TITLES[status]
    return templates().get_template("refusal.html").render(title=title, style=STYLE, lead=lead,
                                                            reason=reason, status=status)


def render_error(errors: dict[str, list[str]]) -> str:
    return templates().get_template("error.html").render(title="Lỗi / error", style=STYLE,
                                                         errors=sorted(errors.items()))
