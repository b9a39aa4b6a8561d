"""Reports as published and as now: an area's report for a closed period, kept as it was sent.

District and commune officers send 6-monthly and annual reports (one seed: communes before 15
November). ``publish`` computes the report now, by the same ``compute_indicators`` the ``indicators``
RPC uses (with the per-commune table), and keeps it whole as JSON with who published it (the
verified caller), when, and the sources' freshness the report names; its id says what it is
(``<area>_<start>_<end>_<as_of>_v<n>``), and publishing the same area and period again adds version
n + 1 beside the earlier ones. Only a closed period (its end before today) can be published, on an
``as_of`` (by default the period's end) from the period's end to today. ``read`` gives the snapshot
and, compared "as now", the report recomputed today for the SAME area, period and ``as_of``, with
each indicator's published and current figures and their difference. Because the recomputation
keeps the published ``as_of``, what happened after that date (a child who moved, a card issued, a
birth registered after it) changes nothing: indicators are point-in-time. What the comparison shows
is the records that reached reporting after publication yet belong before ``as_of``: a birth of the
period registered by ``as_of`` but entered late, a measurement or enrolment recorded late, a record
corrected or voided since. A later report that should count births registered after ``as_of`` is a
new version published with a later ``as_of``.
"""

from datetime import date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.reporting.indicators import Area, compute_indicators, resolve_area
from services.reporting.orm import PublishedReport
from services.reporting.repository import ReportingRepository
from shared.contracts.fields import Identifier, load, report_date
from shared.exceptions import Forbidden, NotFound, ValidationFailed
from shared.kit.access import require_area
from shared.kit.identity import Identity
from shared.plumbing.db import lock_key
from shared.rules.admin_units import CURRENT, LEGACY, AdminUnits, admin_units
from shared.rules.clock import today, utc_now

COMPARISONS = ("now",)
FIGURE_FIELDS = ("numerator", "denominator", "value")


class ClosedPeriodSchema(Schema):
    start = report_date(required=True)
    end = report_date(required=True)


class PublishQuerySchema(Schema):
    area_code = fields.String(required=True, validate=validate.Length(min=1, max=5))
    period = fields.Nested(ClosedPeriodSchema, required=True, unknown=RAISE)
    as_of = report_date(load_default=None, allow_none=True)

    @validates_schema
    def dates_in_order(self, data: dict, **_: Any) -> None:
        period = data.get("period")
        if not period:
            return
        if period["start"] > period["end"]:
            raise ValidationError({"start": ["Must not be after the end of the period."]}, "period")
        if data.get("as_of") and data["as_of"] < period["end"]:
            raise ValidationError(["Must not be before the end of the period."], "as_of")


class AreaQuerySchema(Schema):
    area_code = fields.String(required=True, validate=validate.Length(min=1, max=5))


class ReadQuerySchema(Schema):
    report_id = Identifier(max_length=80, required=True)
    compare = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(COMPARISONS))


def closed_query(area_code: str, period: Any, as_of: str | None, on: date) -> dict:
    """The loaded query, refused unless its period ended before ``on`` and its ``as_of`` (by
    default the period's end) is not after ``on``."""
    query = load(PublishQuerySchema, {"area_code": area_code, "period": period, "as_of": as_of})
    end = query["period"]["end"]
    if end >= on:
        raise ValidationFailed({"period": [
            f"The period ends on {end}: only a period closed before today ({on}) can be published."]})
    query["as_of"] = query["as_of"] or end
    if query["as_of"] > on:
        raise ValidationFailed({"as_of": [f"Must not be after today ({on})."]})
    return query


def make_report_id(area: str, start: date, end: date, as_of: date, version: int) -> str:
    return f"{area}_{start.isoformat()}_{end.isoformat()}_{as_of.isoformat()}_v{version}"


def compute(session: Session, area: Area, start: date, end: date, as_of: date, units: AdminUnits) -> dict:
    """The report as the ``indicators`` RPC computes it, with the per-commune table."""
    return compute_indicators(ReportingRepository(session), area, as_of, start, end, units, True)


def publish(session: Session, who: Identity, area_code: str, period: Any, as_of: str | None) -> dict:
    query, units = closed_query(area_code, period, as_of, today()), admin_units()
    start, end, as_of_day = query["period"]["start"], query["period"]["end"], query["as_of"]
    area = resolve_area(query["area_code"], as_of_day, units)
    require_area(who, area.code, area.map_version, f"Area {area.code}")
    report = compute(session, area, start, end, as_of_day, units)
    lock_key(session, f"published-report:{area.code}:{start}:{end}")  # one version n at a time
    version = 1 + (session.scalar(select(func.max(PublishedReport.version)).where(
        PublishedReport.area_code == area.code, PublishedReport.period_start == start,
        PublishedReport.period_end == end)) or 0)
    row = PublishedReport(
        report_id=make_report_id(area.code, start, end, as_of_day, version), area_code=area.code,
        map_version=area.map_version, period_start=start, period_end=end, as_of=as_of_day,
        version=version, published_by=who.as_dict(), published_at=utc_now(),
        freshness=report.get("freshness"), report=report)
    session.add(row)
    session.commit()
    return {**describe(row), "published": report}


def listed(session: Session, who: Identity, area_code: str) -> list[dict]:
    """Every version published for the area, by period then version; ``Forbidden`` unless the
    caller's areas hold it (on the map each was published on)."""
    code = load(AreaQuerySchema, {"area_code": area_code})["area_code"]
    rows = session.scalars(select(PublishedReport).where(PublishedReport.area_code == code).order_by(
        PublishedReport.period_start, PublishedReport.period_end, PublishedReport.version)).all()
    maps = {row.map_version for row in rows} or {LEGACY, CURRENT}
    if not any(who.covers(code, map_version) for map_version in maps):
        raise Forbidden(f"Area {code} lies outside the token's areas ({', '.join(who.areas) or 'none'}).")
    return [describe(row) for row in rows if who.covers(code, row.map_version)]


def listed_for(session: Session, who: Identity, codes: list[str]) -> dict[str, list[dict]]:
    """The versions published for these areas that the caller's areas hold (on the map each was
    published on: a code can name another commune on the other map), by area, period, version."""
    rows = session.scalars(select(PublishedReport).where(PublishedReport.area_code.in_(codes)).order_by(
        PublishedReport.area_code, PublishedReport.period_start, PublishedReport.version)).all()
    found: dict[str, list[dict]] = {}
    for row in rows:
        if who.covers(row.area_code, row.map_version):
            found.setdefault(row.area_code, []).append(describe(row))
    return found


def read(session: Session, who: Identity, report_id: str, compare: str | None) -> dict:
    """The snapshot; with ``compare="now"`` also the report recomputed now for the same area,
    period and ``as_of``, and each indicator's change."""
    query = load(ReadQuerySchema, {"report_id": report_id, "compare": compare})
    row = session.get(PublishedReport, query["report_id"])
    if row is None:
        raise NotFound(f"No published report {query['report_id']}.")
    require_area(who, row.area_code, row.map_version, f"Report {row.report_id}")
    result = {**describe(row), "published": row.report}
    if query["compare"] == "now":
        units = admin_units()
        area = resolve_area(row.area_code, row.as_of, units)
        now = compute(session, area, row.period_start, row.period_end, row.as_of, units)
        result.update(now=now, changes=changes(row.report["indicators"], now["indicators"]))
    return result


def describe(row: PublishedReport) -> dict:
    published_at = row.published_at
    return {"report_id": row.report_id, "version": row.version, "area_code": row.area_code,
            "map": row.map_version,
            "period": {"start": row.period_start.isoformat(), "end": row.period_end.isoformat()},
            "as_of": row.as_of.isoformat(), "published_by": row.published_by,
            "published_at": published_at.isoformat() if isinstance(published_at, datetime) else published_at,
            "freshness": row.freshness}


def changes(published: dict[str, Any], now: dict[str, Any]) -> list[dict]:
    """Per indicator present in both, in the published report's order: the published and current
    numerator, denominator and value, their difference (now minus published; ``None`` where either
    is not a number) and whether anything changed."""
    return [change(key, published[key], now[key]) for key in published if key in now]


def change(key: str, published: Any, now: Any) -> dict:
    before, after = figure_fields(published), figure_fields(now)
    return {"indicator": key, "published": before, "now": after,
            "difference": {name: difference(before[name], after[name]) for name in FIGURE_FIELDS},
            "changed": before != after}


def figure_fields(figure: Any) -> dict[str, Any]:
    """The figure's numbers, and which of them are hidden (small-cell suppression) when any is."""
    figure = figure if isinstance(figure, dict) else {"value": figure}
    found = {name: figure.get(name) for name in FIGURE_FIELDS}
    return {**found, "suppressed": figure["suppressed"]} if figure.get("suppressed") else found


def difference(published: Any, now: Any) -> int | float | None:
    if _is_number(published) and _is_number(now):
        return round(now - published, 4)
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
