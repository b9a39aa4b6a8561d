"""The dashboard's drill-down to children (``GET /dashboard/missing?commune=&as_of=&component=``): the
commune's children 0-8 missing a component of the package, as a page an officer reads or prints.

From the ``children_missing_package`` RPC (audited; ``read:child``; the protected component only for a
protection officer of the commune, as that RPC decides): per child its name, date of birth
(dd/mm/yyyy), age and what it misses, in Vietnamese; with the links back to the commune's dashboard and
to the same list as CSV (``/package/missing``). ``as_of`` is read as dd/mm/yyyy or ISO and defaults to
today; a bad query is a 400 page naming the URL's parameter, a refusal a 401 or 403 page.
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from services.reporting.dashboard import HTML, link, render_problem
from services.reporting.report_page import STYLE, render_refusal, templates, vn_date
from shared.exceptions import Forbidden, Unauthenticated, ValidationFailed, http_headers, http_status
from shared.kit.url_args import renamed, url_date
from shared.rules import clock, package
from shared.rules.admin_units import admin_units

URL_NAMES = {"commune_code": "commune"}


def missing_response(args: Mapping[str, str], children_missing_package: Callable[..., list[dict]]) -> tuple:
    """The page for ``?commune=&as_of=[&component=][&period=]``, or the page saying what is wrong."""
    try:
        commune = (args.get("commune") or "").strip()
        as_of = url_date(args, "as_of", required=False) or clock.vietnam_today().isoformat()
        component = (args.get("component") or "").strip() or None
        period = (args.get("period") or "").strip() or None
        try:
            rows = children_missing_package(commune, as_of, component, period)
        except ValidationFailed as error:
            raise renamed(error, URL_NAMES) from None
        return 200, HTML, render_missing(commune, as_of, component, period, rows)
    except ValidationFailed as error:
        return 400, HTML, render_problem(error.errors)
    except (Unauthenticated, Forbidden) as refusal:
        status = http_status(refusal)
        return status, {**HTML, **http_headers(refusal)}, render_refusal(status, str(refusal))


def age_text(years: int, months: int) -> str:
    """``7 tuổi 1 tháng``; under one year ``10 tháng``."""
    return f"{years} tuổi {months - 12 * years} tháng" if years else f"{months} tháng"


def missing_text(names: list[str]) -> str:
    return "; ".join(package.component(name).vi for name in names)


def row(row: dict[str, Any]) -> dict[str, str]:
    return {"name": row["full_name"], "born": vn_date(row["date_of_birth"]),
            "age": age_text(row["age"], row["age_months"]), "missing": missing_text(row["missing"])}


def render_missing(commune: str, as_of: str, component: str | None, period: str | None,
                   rows: list[dict[str, Any]]) -> str:
    units = admin_units()
    name = units.area_name(commune, units.map_on(date.fromisoformat(as_of))) or commune
    chosen = package.component(component) if component else None
    what = f"{chosen.vi} / {chosen.en}" if chosen else "Mọi thành phần / every component"
    params = {"commune": commune, "as_of": as_of, **({"component": component} if component else {})}
    return templates().get_template("dashboard_missing.html").render(
        title=f"Trẻ còn thiếu — {name} ({commune})", style=STYLE, what=what, as_of=vn_date(as_of),
        rows=[row(found) for found in rows],
        back=link("/dashboard", period, area=commune, as_of=as_of),
        csv=link("/package/missing", period, **params))
