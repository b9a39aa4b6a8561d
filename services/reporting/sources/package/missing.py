"""The children of a commune missing a component of the age-appropriate package, for an officer of
the commune (``children_missing_package``, and as CSV at ``GET /package/missing``).

One row per resident child 0-8 of the commune on ``as_of`` missing at least one component that applies
to it (the same conditions as the headline's counts): its id, name, date of birth, age and the
components it misses. The protected component (``supported``: protection data) is listed only to a
protection officer of the commune; anyone else gets the list without it, so a child missing only
that component is not listed at all, and asking for that component alone is refused. Every read is
audited once (granted, withheld when the protected component was left out, or refused).
"""

from datetime import date
from typing import Any

from marshmallow import fields, validate

from services.reporting.indicators import Area, resolve_area
from services.reporting.orm import AuditEntry
from services.reporting.repository import ReportingRepository
from services.reporting.schemas import IndicatorsQuerySchema
from services.reporting.sources.package import indicators as package_indicators
from shared.contracts.fields import load
from shared.exceptions import Forbidden, ValidationFailed
from shared.kit import audit
from shared.kit.access import may_read_case, require_area
from shared.kit.csv_export import CHILD, Column, csv_response, each, labelled
from shared.kit.identity import Identity
from shared.kit.url_args import iso_date, url_date
from shared.rules import package
from shared.rules.admin_units import admin_units

ACTION = "read_package_missing"
COLUMNS = (
    *CHILD,
    Column("Tuổi (age)", "age"),
    Column("Tháng tuổi (age_months)", "age_months"),
    Column("Còn thiếu (missing)", "missing",
           each(labelled({c.name: c.vi for c in package.components()}))),
)
URL_NAMES = {"commune_code": "commune"}
LEVELS_VI = {"province": "tỉnh", "district": "huyện"}  # the RPC's field -> the URL's parameter


class MissingQuerySchema(IndicatorsQuerySchema):
    """``children_missing_package(commune_code, as_of, component=None, period=None)``; the period
    defaults to 1 January of ``as_of``'s year to ``as_of``, as the indicators'."""

    area_code = fields.String(required=True, data_key="commune_code", validate=validate.Regexp(
        r"\A\d{5}\Z", error="Phải là mã xã gồm 5 chữ số / Must be a commune code of 5 digits."))
    component = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(package.names()))

    class Meta:
        exclude = ("by_commune",)


def commune_area(code: str, as_of: date) -> Area:
    area = resolve_area(code, as_of, admin_units())
    if area.level != "commune":
        level = LEVELS_VI.get(area.level, area.level)
        raise ValidationFailed({"commune_code": [
            f"{code!r} là mã {level}, không phải mã xã / {code!r} is a {area.level}, not a commune."]})
    return area


def shown_components(component: str | None, protection: bool) -> list[package.Component]:
    """The components listed: one, or all; the protected ones only to a protection officer."""
    shown = [c for c in package.components() if component in (None, c.name)]
    if not protection and any(c.protected for c in shown) and component is not None:
        raise Forbidden(f"The component {component} is protection data: listed only to protection "
                        "officers of the commune.")
    return [c for c in shown if protection or not c.protected]


def rows(repo: ReportingRepository, area: Area, query: dict[str, Any], listed: list[package.Component]
         ) -> list[dict[str, Any]]:
    as_of, period = query["as_of"], query["period"]
    flags = {c.name: package_indicators.missing(c, as_of, period["start"], period["end"]) for c in listed}
    found = []
    for child_id, full_name, born, missed in repo.children_flagged(area.column, area.code, as_of, flags):
        years, months = package.age(born, as_of)
        found.append({"child_id": child_id, "full_name": full_name, "date_of_birth": born.isoformat(),
                      "age": years, "age_months": months, "missing": missed})
    return found


def children_missing(repo: ReportingRepository, who: Identity, commune_code: Any, as_of: Any,
                     component: Any = None, period: Any = None) -> list[dict[str, Any]]:
    """The list for a caller whose areas hold the commune (``Forbidden`` otherwise), audited."""
    query = load(MissingQuerySchema, {"commune_code": commune_code, "as_of": as_of, "component": component,
                                      "period": period})
    area = commune_area(query["area_code"], query["as_of"])
    require_area(who, area.code, area.map_version, f"Commune {area.code}")
    protection = may_read_case(who, area.code, area.map_version)
    listed = shown_components(query["component"], protection)
    found = rows(repo, area, query, listed)
    withheld = not protection and query["component"] is None
    audit.record_read(repo.session, AuditEntry, who, ACTION, audit.WITHHELD if withheld else audit.GRANTED)
    return found


def csv_missing(args, children_missing_package) -> tuple:
    """``?commune=…&as_of=30/06/2026[&component=…][&period=2026-Q2 | &period_start=…&period_end=…]``
    as CSV (dates dd/mm/yyyy or ISO; a period spec as the pages and the dashboard give it; the missing
    components by their Vietnamese names)."""
    commune, component = args.get("commune"), args.get("component") or None

    def fetch() -> list[dict]:
        as_of = url_date(args, "as_of")
        period = args.get("period") or {key: url_date(args, f"period_{key}") for key in ("start", "end")
                                         if f"period_{key}" in args} or None
        return children_missing_package(commune, as_of, component, period)

    as_of = iso_date(args.get("as_of") or "")  # for the file's name only: fetch() checks it
    return csv_response(fetch, COLUMNS, f"package-missing-{commune}-{as_of}.csv", URL_NAMES)
