"""The plan's figures for an area on a date, as the catalogue lists them (``catalogue``): each source's
counts (``sources/<source>/indicators.py``: the headline package, registry, health, education,
protection; referrals and programme figures computed whole by their sources), the report's
``freshness``, ``progress`` against the plan's targets, and the places and breakdowns asked for.
Counts that could identify a child (protection's, the package's protected component and the
composite beside it, referrals that single out protection, disability screening, children with a
disability in inclusive education) are counted for the whole province and small-cell suppressed
before the area is cut from them (``province_cells``).

An area code is read on the map in force on ``as_of``: 2 digits a province, 3 a district (legacy map
only), 5 a commune; the area includes everything below it. A child counts where it lived ON
``as_of`` (its residence period in force that day), and a card counts if ANY of the child's cards
was valid that day, so a report for a past date does not change when a child moves or gets a new
card later. Each indicator carries numerator, denominator and value (``None`` when the denominator
is zero; a hidden count is ``None`` with its mark under ``suppressed``). The plain figures of an area
come from one statement; a district or province can also be broken down by commune (every commune of
the area, zeros included), and then the area's figures are its communes' added up (one statement).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from services.reporting import breakdowns, progress, province_cells
from services.reporting.catalogue import Catalogue, Indicator, catalogue
from services.reporting.freshness import freshness
from services.reporting.province_cells import Cut
from services.reporting.repository import ReportingRepository
from services.reporting.sources.education import indicators as education_indicators
from services.reporting.sources.health import indicators as health_indicators
from services.reporting.sources.package import indicators as package_indicators
from services.reporting.sources.programme import figures as programme_figures
from services.reporting.sources.protection import indicators as protection_indicators
from services.reporting.sources.referrals import indicators as referral_indicators
from services.reporting.sources.registry import indicators as registry_indicators
from shared.exceptions import ValidationFailed
from shared.rules import schooling
from shared.rules.admin_units import LEGACY, AdminUnits
from shared.rules.clock import utc_now

COLUMNS = {(LEGACY, "province"): "legacy_province", (LEGACY, "district"): "legacy_district",
           (LEGACY, "commune"): "legacy_commune", ("2025", "province"): "current_province",
           ("2025", "commune"): "current_commune"}


@dataclass(frozen=True)
class Area:
    code: str
    level: str
    map_version: str
    column: str
    name: str | None = None
    parents: tuple[dict[str, str | None], ...] = ()

    def describe(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level, "map": self.map_version, "name": self.name,
                "parents": list(self.parents)}


def resolve_area(code: str, as_of: date, units: AdminUnits) -> Area:
    map_version = units.map_on(as_of)
    level = units.area_level(code, map_version)
    if level is None:
        raise ValidationFailed({"area_code": [
            f"{code!r} is no province, district or commune on the {map_version} map in force on "
            f"{as_of}."]})
    parents = tuple({"level": parent_level, "code": parent, "name": units.area_name(parent, map_version)}
                    for parent_level, parent in units.parents(code, map_version))
    return Area(code, level, map_version, COLUMNS[(map_version, level)],
                units.area_name(code, map_version), parents)


def ratio(numerator: int, denominator: int | None) -> dict[str, Any]:
    value = round(numerator / denominator, 4) if denominator else None
    return {"numerator": numerator, "denominator": denominator, "value": value}


# The conditions are SQL expressions made from the dates and the rules (read once per process), never
# from data: made once per dates (a tenth of a commune's report went into making them), read-only.
@lru_cache(maxsize=32)
def conditions(as_of: date, start: date, end: date) -> Mapping[str, Any]:
    """The plain counts of every source (one statement per area)."""
    return MappingProxyType({**registry_indicators.conditions(as_of, start, end),
                             **health_indicators.conditions(as_of, start, end),
                             **education_indicators.conditions(as_of, start, end),
                             **package_indicators.conditions(as_of, start, end)})


@lru_cache(maxsize=32)
def suppressed_conditions(as_of: date, start: date, end: date) -> Mapping[str, Any]:
    """The children counts that could identify a child: protection's, health's disability screening,
    education's children with a disability. Counted for the whole province and suppressed together."""
    return MappingProxyType({**protection_indicators.child_conditions(as_of),
                             **health_indicators.suppressed_conditions(as_of, start, end),
                             **education_indicators.suppressed_conditions(as_of),
                             **package_indicators.suppressed_conditions(as_of, start, end)})


def figure(indicator: Indicator, counts: dict[str, int], cut: Cut, computed: dict[str, Any]) -> dict:
    """One catalogue entry's figure: from the plain counts, the suppressed cut, or whole from its
    source (``computed``)."""
    top, bottom = indicator.numerator, indicator.denominator
    if indicator.kind == "computed":
        return computed[indicator.id]
    if indicator.suppressed:
        return cut.share(top, bottom) if bottom else cut.count(top)
    if bottom:
        return ratio(counts[top], counts[bottom])
    return {"numerator": counts[top], "denominator": None, "value": counts[top]}


def figures(listed: list[Indicator], counts: dict[str, int], cut: Cut, computed: dict[str, Any]) -> dict:
    """An area's figures, in the catalogue's order: ``counts`` its plain counts, ``cut`` its part of
    the suppressed province table, ``computed`` the figures its sources make whole (referrals,
    programme); a computed figure its source does not make for this node (a district's programme
    figures) is left out."""
    return {indicator.id: figure(indicator, counts, cut, computed) for indicator in listed
            if indicator.kind != "computed" or indicator.id in computed}


def summed(grouped: dict[Any, dict[str, int]], counted: dict[str, Any]) -> dict[str, int]:
    """The area's counts from its groups' (every group, a child outside any commune's included): the
    groups split the same children, so one statement gives both."""
    return {name: sum(counts[name] for counts in grouped.values()) for name in counted}


def compute_indicators(repo: ReportingRepository, area: Area, as_of: date, start: date, end: date,
                       units: AdminUnits, by_commune: bool = False, by: tuple[str, ...] = (),
                       declared: Catalogue | None = None) -> dict:
    """The area's figures as ``declared`` (the catalogue loaded at start by default) lists them, with
    the places and breakdowns ``by`` asks for."""
    breakdowns.check_places(list(by), area.level, area.map_version)
    declared = declared or catalogue()
    counted, listed = conditions(as_of, start, end), declared.indicators(as_of)
    protected = province_cells.province_table(
        repo, area, as_of, units, COLUMNS, suppressed_conditions(as_of, start, end),
        protection_indicators.case_conditions(as_of, start, end),
        protection_indicators.groups() + package_indicators.groups(), package_indicators.SHOWN,
        package_indicators.DERIVED, (start, end))
    communes = (by_commune or "commune" in by) and area.level != "commune"
    grouped = province_cells.children_counts(repo, area.map_version, (area.column, area.code),
                                             COLUMNS[(area.map_version, "commune")], as_of, counted, units,
                                             (start, end), outside=True)
    plain = summed(grouped, counted)
    referred = referral_indicators.read(repo, area, as_of, start, end, units, COLUMNS)
    entered = programme_figures.read_kept(repo, area, as_of, start, end, units)  # entered totals
    report = {
        "area": area.describe(),
        "as_of": as_of.isoformat(),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "school_year": schooling.format_school_year(schooling.school_year_of(as_of)),
        "freshness": freshness(repo, utc_now(), declared, listed),
        "indicators": figures(listed, plain, Cut(protected, (area.level, area.code)),
                              referred.figures((area.level, area.code)) | entered.figures()),
    }
    report.update(breakdowns.sections(
        repo, area, as_of, list(by), counted, suppressed_conditions(as_of, start, end), protected,
        listed, lambda counts, table, node: figures(listed, counts, Cut(table, node),
                                                    referred.figures(node)), units, COLUMNS, (start, end)))
    if communes:
        zero = dict.fromkeys(counted, 0)
        report["communes"] = [
            {"code": commune.code, "name": commune.name, "indicators": figures(
                listed, grouped.get(commune.code, zero), Cut(protected, ("commune", commune.code)),
                referred.figures(("commune", commune.code)) | entered.figures(commune.code))}
            for commune in units.communes_in(area.code, area.map_version)]
    report["progress"] = progress.progress(report, {i.id: i.target for i in listed if i.target}, units)
    return report
