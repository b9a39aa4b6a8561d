"""An area's figures broken down by the children's sex, age band, ethnic group, household poverty and
disability, counted with the SAME conditions as the totals, so where nothing is suppressed a
breakdown's group numerators and denominators add up to the total's.

A dimension is a name, an SQL expression over the child view giving each child's group label (every
child falls in exactly one group: unknowns have their own), the groups in order, and whether a group
could identify a child (``identifying``: disability, ethnicity). A figure is a numerator and a
denominator count (``Recipe``), as the catalogue declares it with the dimensions it allows (its
``breakdowns``). Plain figures of a dimension that identifies no one are counted for the area grouped
by the label (one statement). Everything that could identify a child (an identifying
dimension, or a figure of the suppressed province table) is counted for every commune of the province
grouped by the label, added as PARTS of each total to the province's suppressed table (groups, as
protection's case levels are), and suppressed with it: the report's own hidden cells stay as they
were and no hidden group can be had from the total minus the others. A hidden count is typed, never a
string where a number stands: ``{"numerator": None, ..., "suppressed": {"numerator": "<5"}}``.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import case, func, or_

from services.reporting.catalogue import Indicator
from services.reporting.orm import ChildView
from services.reporting.province_cells import _add_up, grouped_counts, marked, province_of
from services.reporting.province_cells import by_group as added_by_group
from services.reporting.sources.education.indicators import _disabled
from services.reporting.suppression import Node, Table, suppress
from shared.contracts.registry import POVERTY, SEXES
from shared.exceptions import ValidationFailed
from shared.rules import breakdowns as rules
from shared.rules import epi, protection
from shared.rules.admin_units import LEGACY, AdminUnits

UNKNOWN = "unknown"
DIMENSIONS = ("sex", "age_band", "ethnicity", "poverty", "disability")
PLACES = ("commune", "district")
BY_CHOICES = (*PLACES, *DIMENSIONS)
Recipe = tuple[str, str | None]  # (numerator count, denominator count or None for a plain count)


@dataclass(frozen=True)
class Dimension:
    name: str
    label: Any  # SQL expression over ChildView: the child's group
    groups: tuple[str, ...]
    identifying: bool

    def part(self, count: str, group: str) -> str:
        """The cell name of a count's group (a part of the count's total)."""
        return f"{count}|{self.name}={group}"


def _sex() -> Dimension:
    label = case(*[(ChildView.sex == sex, sex) for sex in SEXES], else_=UNKNOWN)
    return Dimension("sex", label, (*SEXES, UNKNOWN), identifying=False)


def _age_band(as_of: date) -> Dimension:
    """Completed years on ``as_of``: born after the day the child would turn ``to_years + 1``."""
    bands = rules.age_bands()
    label = case(*[(ChildView.date_of_birth > epi.add_months(as_of, -12 * (band.to_years + 1)), band.label)
                   for band in bands], else_=rules.OLDER)
    return Dimension("age_band", label, (*[band.label for band in bands], rules.OLDER), identifying=False)


def _ethnicity() -> Dimension:
    """Kinh names compared lower-cased and trimmed (and as written in capitals or title case, for a
    database whose ``lower`` folds only ASCII)."""
    names = rules.kinh_names()
    spelled = names | {name.upper() for name in names} | {name.title() for name in names}
    written = func.trim(ChildView.ethnicity)
    label = case((or_(ChildView.ethnicity.is_(None), written == ""), UNKNOWN),
                 (or_(func.lower(written).in_(sorted(names)), written.in_(sorted(spelled))), "kinh"),
                 else_="minority")
    return Dimension("ethnicity", label, ("kinh", "minority", UNKNOWN), identifying=True)


def _poverty() -> Dimension:
    label = case(*[(ChildView.household_poverty == level, level) for level in POVERTY], else_=UNKNOWN)
    return Dimension("poverty", label, (*POVERTY, UNKNOWN), identifying=False)


def _disability(as_of: date) -> Dimension:
    """A positive disability screening by ``as_of`` (as education's inclusive-education figure)."""
    label = case((_disabled(as_of), "disability"), else_="no_disability")
    return Dimension("disability", label, ("disability", "no_disability"), identifying=True)


def dimensions(as_of: date) -> dict[str, Dimension]:
    return {"sex": _sex(), "age_band": _age_band(as_of), "ethnicity": _ethnicity(),
            "poverty": _poverty(), "disability": _disability(as_of)}


def check_places(by: list[str], level: str, map_version: str) -> None:
    """``district`` only breaks down a province on the legacy map (the 2025 map has no districts)."""
    if "district" in by and (level, map_version) != ("province", LEGACY):
        raise ValidationFailed({"by": ["'district' breaks down a province on the legacy map only."]})


def typed(numerator: int | str, denominator: int | str | None) -> dict[str, Any]:
    """A figure from shown counts: a hidden one (its label, ``<5`` or ``x``) is None and named under
    ``suppressed`` (``province_cells.marked``); the value only when every count is shown."""
    top, bottom = (None if isinstance(n, str) else n for n in (numerator, denominator))
    if denominator is None:
        value = top
    else:
        value = round(top / bottom, 4) if top is not None and bottom else None
    return marked({"numerator": top, "denominator": bottom, "value": value},
                  {part: n for part, n in (("numerator", numerator), ("denominator", denominator))
                   if isinstance(n, str)})


@dataclass
class Request:
    """What one report breaks down: the figures (``recipes``) and the conditions of their counts,
    ``plain`` (counted for the area) or ``sensitive`` (in the suppressed province table)."""

    area: Any  # indicators.Area: level, code, column, map_version
    as_of: date
    recipes: dict[str, Recipe]
    plain: dict[str, Any]
    sensitive: dict[str, Any]
    protected: Table
    columns: dict
    allowed: dict[str, tuple[str, ...]] | None = None  # per figure, the dimensions it may be broken by
    period: tuple[date, date] | None = None  # the conditions' dates, when counts may be kept

    def grouped(self, repo, area: tuple[str, str], counted: dict[str, Any], dimension: "Dimension",
                units: AdminUnits, outside: bool = False) -> dict[tuple[str | None, Any], dict[str, int]]:
        """``counted`` in ``area`` by (commune, the dimension's group), communes' counts kept."""
        map_version = self.area.map_version
        return grouped_counts(repo, map_version, area, self.columns[(map_version, "commune")], self.as_of,
                              counted, (dimension.name, dimension.label), units, self.period, outside)

    @property
    def node(self) -> Node:
        return (self.area.level, self.area.code)


def break_down(repo, request: Request, asked: list[str], units: AdminUnits) -> dict[str, Any]:
    """``report["breakdowns"]`` for the dimensions ``asked`` (places are not dimensions)."""
    found = {}
    for name in [n for n in asked if n in DIMENSIONS]:
        dimension = dimensions(request.as_of)[name]
        chosen = {i: r for i, r in request.recipes.items()
                  if request.allowed is None or name in request.allowed.get(i, ())}
        found[name] = {"groups": list(dimension.groups), "labels": rules.labels(name),
                       "figures": _figures(repo, replace(request, recipes=chosen), dimension, units)}
    return found


def _figures(repo, request: Request, dimension: Dimension, units: AdminUnits) -> dict[str, dict]:
    """Each group's figures: plain ones straight from the area's grouped counts unless the dimension
    identifies, the rest read from the suppressed table."""
    open_ids = {i: r for i, r in request.recipes.items()
                if not dimension.identifying and not _uses(r, request.sensitive)}
    guarded = {i: r for i, r in request.recipes.items() if i not in open_ids}
    by_group = {group: {} for group in dimension.groups}
    if open_ids:
        counted = {n: request.plain[n] for n in _names(open_ids.values())}
        grouped = added_by_group(request.grouped(repo, (request.area.column, request.area.code), counted,
                                                 dimension, units, outside=True))
        for group in dimension.groups:
            counts = grouped.get(group, dict.fromkeys(counted, 0))
            by_group[group].update({i: typed(counts[num], counts[den] if den else None)
                                    for i, (num, den) in open_ids.items()})
    if guarded:
        table = _suppressed_parts(repo, request, dimension, _names(guarded.values()), units)
        for group in dimension.groups:
            by_group[group].update({i: typed(*_shown(table, request.node, dimension, group, num, den))
                                    for i, (num, den) in guarded.items()})
    return {group: {i: figures[i] for i in request.recipes} for group, figures in by_group.items()}


def _shown(table: Table, node: Node, dimension: Dimension, group: str, num: str, den: str | None
           ) -> tuple[Any, Any]:
    numerator = table.shown((node, dimension.part(num, group)))
    return numerator, table.shown((node, dimension.part(den, group))) if den else None


def _uses(recipe: Recipe, conditions: dict[str, Any]) -> bool:
    return any(name in conditions for name in recipe if name)


def _names(recipes) -> list[str]:
    return sorted({name for recipe in recipes for name in recipe if name})


def _suppressed_parts(repo, request: Request, dimension: Dimension, names: list[str],
                      units: AdminUnits) -> Table:
    """The province's suppressed table with each count's groups added as its parts, per commune,
    and suppressed again: the table's own hidden cells stay, the parts are protected with them."""
    province, columns = province_of(request.area, units), request.columns
    map_version = request.area.map_version
    conditions = {**request.plain, **request.sensitive}
    counted = {name: conditions[name] for name in names}
    grouped = request.grouped(repo, (columns[(map_version, "province")], province), counted, dimension, units)
    by_commune: dict[str, dict[str, int]] = defaultdict(dict)
    for (commune, group), values in grouped.items():
        if commune is None:
            continue
        for name, count in values.items():
            by_commune[commune][dimension.part(name, group)] = count
            if name not in request.sensitive:  # plain totals: the sum of their groups
                by_commune[commune][name] = by_commune[commune].get(name, 0) + count
    parts = [dimension.part(name, group) for name in names for group in dimension.groups]
    plain = [name for name in names if name not in request.sensitive]
    base = request.protected
    counts: dict = {}
    _add_up(base.children, by_commune, [*parts, *plain], ("province", province), counts)
    groups = [(name, [dimension.part(name, group) for group in dimension.groups]) for name in names]
    table = Table({**base.counts, **counts}, base.children, [*base.groups, *groups], set(base.hidden))
    return suppress(table, protection.threshold(), lambda name: name in request.sensitive or "|" in name)


FiguresAt = Callable[[dict[str, int], Table, Node], dict[str, Any]]


def breakable(listed: list[Indicator], plain: dict[str, Any]) -> list[Indicator]:
    """The figures a breakdown may break down, as the catalogue declares them: made of plain counts
    (not computed whole, not from the suppressed table) and allowing at least one dimension."""
    return [i for i in listed if i.kind != "computed" and not i.suppressed and i.breakdowns
            and all(name in plain for name in (i.numerator, i.denominator) if name)]


def sections(repo, area: Any, as_of: date, by: list[str], plain: dict[str, Any], sensitive: dict[str, Any],
             protected: Table, listed: list[Indicator], figures_at: FiguresAt, units: AdminUnits,
             columns: dict, period: tuple[date, date] | None = None) -> dict[str, Any]:
    """The report's parts ``by`` asks for besides the communes: ``districts`` (a legacy province's),
    ``breakdowns`` (the dimensions', of the figures the catalogue ``listed`` allows each).
    ``figures_at(counts, table, node)`` is the report's figures of a node; ``period``: the conditions'
    dates, when each commune's counts may be kept (``province_cells.grouped_counts``)."""
    check_places(by, area.level, area.map_version)
    found: dict[str, Any] = {}
    if "district" in by:
        found["districts"] = by_district(repo, area, as_of, plain, protected, figures_at, units, period)
    if any(name in DIMENSIONS for name in by):
        chosen = breakable(listed, plain)
        request = Request(area, as_of, {i.id: (i.numerator, i.denominator) for i in chosen}, plain,
                          sensitive, protected, columns, {i.id: i.breakdowns for i in chosen}, period)
        found["breakdowns"] = break_down(repo, request, by, units)
    return found


def by_district(repo, area: Any, as_of: date, plain: dict[str, Any], protected: Table,
                figures_at: FiguresAt, units: AdminUnits, period: tuple[date, date] | None = None
                ) -> list[dict[str, Any]]:
    """Every legacy district of the province (zeros included), as the communes are listed (each
    commune's counts by district kept, ``province_cells.grouped_counts``)."""
    grouped = added_by_group(grouped_counts(
        repo, LEGACY, (area.column, area.code), "legacy_commune", as_of, plain,
        ("legacy_district", "legacy_district"), units, period, outside=True))
    zero = dict.fromkeys(plain, 0)
    codes = sorted({c.district_code for c in units.communes_in(area.code, LEGACY)})
    return [{"code": code, "name": units.area_name(code, LEGACY), "indicators": figures_at(
        grouped.get(code, zero), protected, ("district", code))} for code in codes]
