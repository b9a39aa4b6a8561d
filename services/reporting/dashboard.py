"""An officer's dashboard for an area (``GET /dashboard``, issue 17): the headline against its target,
a chart per sector, the communes ranked, and the drill-down to a commune and to its children missing
a component of the package.

Built from one ``indicators`` result (with its communes for a district or province) and the catalogue:
the headline ``package_coverage_0_8`` big, with the plan's target, the gap and the status from the
report's ``progress``; per catalogue section a chart of its headline-worthy figures (percentages with
a short label or a target; every part of the package) against their targets; for a district or
province the communes ranked by the headline, lowest first (those without a figure last), each linking
to its own dashboard; for a commune a row per package component with the children missing it, linking
to their list (``missing_page``; the protected component only for a protection officer of the
commune). ``area`` defaults to the token's one area, ``as_of`` to today; a bad query is a 400 page
naming the URL's parameter, a refusal a 401 or 403 page.
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from services.reporting import charts
from services.reporting.catalogue import Catalogue, Indicator
from services.reporting.progress import percent
from services.reporting.report_page import (
    HTML,
    LEVELS,
    STATUSES,
    STYLE,
    part,
    render_refusal,
    templates,
    vn_date,
    vn_number,
)
from shared.exceptions import Forbidden, Unauthenticated, ValidationFailed, http_headers, http_status
from shared.kit.access import may_read_case
from shared.kit.identity import CallerContext
from shared.kit.url_args import MISSING, page_url, renamed, url_date
from shared.rules import clock, package

HEADLINE = "package_coverage_0_8"
URL_NAMES = {"area_code": "area"}
RANKED_CHART_MAX = 40  # the lowest communes charted; the table lists every one


def dashboard_response(args: Mapping[str, str], caller: CallerContext, indicators: Callable[..., dict],
                       declared: Catalogue) -> tuple:
    """The page for ``?area=&as_of=&period=``, or the page saying what is wrong."""
    try:
        who = caller.identity
        area = (args.get("area") or "").strip() or own_area(who.areas)
        as_of = url_date(args, "as_of", required=False) or clock.vietnam_today().isoformat()
        period = (args.get("period") or "").strip() or None
        try:
            report = indicators(area, as_of, period, True, [])
        except ValidationFailed as error:
            raise renamed(error, URL_NAMES) from None
        shown = report["area"]
        protection = shown["level"] == "commune" and may_read_case(who, shown["code"], shown["map"])
        return 200, HTML, render_dashboard(report, declared, period, protection)
    except ValidationFailed as error:
        return 400, HTML, render_problem(error.errors)
    except (Unauthenticated, Forbidden) as refusal:
        status = http_status(refusal)
        return status, {**HTML, **http_headers(refusal)}, render_refusal(status, str(refusal))


def own_area(areas: tuple[str, ...]) -> str:
    if len(areas) != 1:
        raise ValidationFailed({"area": [f"{MISSING[0]}: mã truy cập có {len(areas)} địa bàn / "
                                         f"{MISSING[1]}: the token holds {len(areas)} areas"]})
    return areas[0]


def link(path: str, period: str | None, **params: str) -> str:
    return page_url(path, **params, period=period)


def label(indicator: Indicator) -> str:
    """A figure's Vietnamese label on a chart: its short label, else its name without the prefix."""
    if indicator.short:
        return indicator.short.split(" / ")[0]
    return indicator.vi.removeprefix("Thành phần: ")


def is_share(figure: dict[str, Any]) -> bool:
    return figure.get("unit") != "days" and (
        figure.get("denominator") is not None or "denominator" in (figure.get("suppressed") or {}))


def value_text(figure: dict[str, Any]) -> str:
    """The share as a percentage; a hidden one its mark; none (no children) a dash."""
    value = percent(figure)
    if value is not None:
        return charts.percent_text(value)
    marks = figure.get("suppressed") or {}
    return marks.get("numerator") or marks.get("value") or "—"


def counts_text(figure: dict[str, Any]) -> str:
    """``62,5 % (5/8)``; a hidden cell ``ẩn / hidden (x/8)``; no children ``— (0/0)``."""
    value = percent(figure)
    shown = charts.percent_text(value) if value is not None else (
        "ẩn / hidden" if figure.get("suppressed") else "—")
    return f"{shown} ({part(figure, 'numerator')}/{part(figure, 'denominator')})"


def charted(indicator: Indicator, figure: dict[str, Any] | None) -> bool:
    worthy = bool(indicator.short or indicator.target) or indicator.source == "package"
    return figure is not None and worthy and is_share(figure)


def sector_charts(report: dict[str, Any], declared: Catalogue, listed: dict[str, Indicator],
                  goals: dict[str, dict], protection: bool = False) -> list[dict[str, Any]]:
    """One chart per catalogue section with figures to chart, in the catalogue's order; the protected
    package component only for a protection officer, as in the components table."""
    rows: dict[str, list[charts.Bar]] = {}
    hidden = set() if protection else {f"package_{c.name}" for c in package.components() if c.protected}
    for key, figure in report["indicators"].items():
        indicator = listed.get(key)
        if indicator is None or key in hidden or not charted(indicator, figure):
            continue
        target = (goals.get(key) or {}).get("target")
        rows.setdefault(indicator.source, []).append(
            charts.Bar(label(indicator), percent(figure), target, counts_text(figure)))
    found = []
    for section in declared.sections:
        if section.source in rows:
            title = f"{section.vi} / {section.en}"
            found.append({"source": section.source, "vi": section.vi, "en": section.en,
                          "svg": charts.bars(title, rows[section.source])})
    return found


def headline(report: dict[str, Any], goals: dict[str, dict]) -> dict[str, Any] | None:
    figure, goal = report["indicators"].get(HEADLINE), goals.get(HEADLINE) or {}
    if figure is None:
        return None
    return {"value": value_text(figure),
            "numerator": part(figure, "numerator"), "denominator": part(figure, "denominator"),
            "target": goal.get("target"), "gap": goal.get("gap"), "status": goal.get("status", "no_data"),
            "status_text": STATUSES.get(goal.get("status", "no_data"), "")}


def not_covered(figure: dict[str, Any]) -> str:
    """Children the figure counts but not as met: a number; with the met count hidden as ``<5`` (1 to
    4) the range it leaves (no more than the page shows already); else the mark of the hidden count."""
    top, bottom = figure.get("numerator"), figure.get("denominator")
    if isinstance(top, int) and isinstance(bottom, int):
        return vn_number(bottom - top)
    marks = figure.get("suppressed") or {}
    if marks.get("numerator") == "<5" and isinstance(bottom, int):
        return f"{vn_number(max(bottom - 4, 0))}–{vn_number(bottom - 1)}"
    return marks.get("denominator") or marks.get("numerator") or "—"


def ranked(report: dict[str, Any], period: str | None) -> list[dict[str, Any]]:
    """The area's communes by the headline, lowest first; those without a figure last, by code."""
    rows = []
    for commune in report.get("communes") or []:
        figure = commune["indicators"].get(HEADLINE) or {}
        value = percent(figure)
        rows.append({"code": commune["code"], "name": commune["name"] or commune["code"], "value": value,
                     "shown": value_text(figure),
                     "not_covered": not_covered(figure), "children": part(figure, "denominator"),
                     "href": link("/dashboard", period, area=commune["code"], as_of=report["as_of"])})
    rows.sort(key=lambda row: (row["value"] is None, row["value"] or 0, row["code"]))
    return rows


def ranked_chart(rows: list[dict[str, Any]], target: float | None) -> str | None:
    bars = [charts.Bar(row["name"], row["value"], text=row["shown"]) for row in rows
            if row["value"] is not None][:RANKED_CHART_MAX]
    if not bars:
        return None
    return charts.bars(ranked_title(len(bars)), bars, line=target)


def ranked_title(count: int) -> str:
    return (f"Tỷ lệ trẻ 0-8 tuổi được hưởng đủ gói, {count} xã, phường thấp nhất trước / "
            f"children 0-8 with the full package, {count} communes, lowest first")


def components(report: dict[str, Any], period: str | None, protection: bool) -> list[dict[str, Any]]:
    """A commune's package components: the share met and the children missing each, with the link to
    their list (the protected component only for a protection officer)."""
    found = []
    for component in package.components():
        figure = report["indicators"].get(f"package_{component.name}")
        if figure is None or (component.protected and not protection):
            continue
        href = link("/dashboard/missing", period, commune=report["area"]["code"], as_of=report["as_of"],
                    component=component.name)
        found.append({"name": component.name, "vi": component.vi, "en": component.en,
                      "shown": counts_text(figure), "missing": not_covered(figure), "href": href})
    return found


def context(report: dict[str, Any], declared: Catalogue, period: str | None = None,
            protection: bool = False) -> dict[str, Any]:
    """What the dashboard template shows of ``report`` (pure)."""
    area, as_of = report["area"], report["as_of"]
    listed = declared.by_id(date.fromisoformat(as_of))
    goals = (report.get("progress") or {}).get("indicators") or {}
    rows = ranked(report, period)
    top = headline(report, goals)
    commune = area["level"] == "commune"
    return {
        "title": f"{area.get('name') or area['code']} ({area['code']})", "area": area,
        "level": LEVELS.get(area["level"], area["level"]), "as_of": vn_date(as_of),
        "period": f"{vn_date(report['period']['start'])} – {vn_date(report['period']['end'])}",
        "parents": ", ".join(f"{p['name'] or p['code']} ({p['code']})" for p in area.get("parents", [])),
        "headline": top, "charts": sector_charts(report, declared, listed, goals, protection),
        "ranked": rows, "ranked_chart": ranked_chart(rows, top and top["target"]),
        "ranked_title": ranked_title(min(RANKED_CHART_MAX, sum(r["value"] is not None for r in rows))),
        "components": components(report, period, protection) if commune else [],
        "missing_all": link("/dashboard/missing", period, commune=area["code"], as_of=as_of),
        "csv": link("/package/missing", period, commune=area["code"], as_of=as_of),
        "report": link("/indicators", period, area=area["code"], as_of=as_of, format="html"),
        "up": [{"name": p["name"] or p["code"], "href": link("/dashboard", period, area=p["code"],
                                                              as_of=as_of)} for p in area.get("parents", [])],
    }


def render_dashboard(report: dict[str, Any], declared: Catalogue, period: str | None = None,
                     protection: bool = False) -> str:
    shown = context(report, declared, period, protection)
    return templates().get_template("dashboard.html").render(style=STYLE, **shown)


def render_problem(errors: dict[str, list[str]]) -> str:
    """The 400 page: each URL parameter at fault and what to type, in Vietnamese and English."""
    return templates().get_template("problem.html").render(
        title="Không mở được bảng điều khiển / the dashboard could not be opened", style=STYLE,
        errors=sorted(errors.items()))
