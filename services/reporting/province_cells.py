"""Counts that could identify a child (protection's, and the disability figures of health and
education) are counted for every commune of the area's province, added up the tree (province ->
legacy districts -> communes, or province -> communes on the 2025 map), small-cell suppressed together
(``suppression``), and each report reads its area from that one table (``Cut``). So the same cells are
hidden whichever area is asked for, and a commune cannot be had from its district or province total
minus the others. A hidden count is None, and the figure's ``suppressed`` names its mark: ``<5``
when small, ``x`` when hidden to protect a small one; a ratio is given only when both its counts
are shown. The threshold is data
(``shared/rules/data/protection_rules.yaml``).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting import count_cache
from services.reporting.orm import ProtectionCase
from services.reporting.suppression import Node, Table, suppress
from shared.rules import protection
from shared.rules.admin_units import LEGACY, AdminUnits

ByCommune = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Cut:
    """One node's figures read from the suppressed table: what a report shows for its area."""

    table: Table
    node: Node

    def _read(self, name: str) -> tuple[int | None, str | None]:
        """A count, or None and the mark it shows as (``<5`` small, ``x`` hidden to protect one)."""
        shown = self.table.shown((self.node, name))
        return (shown, None) if isinstance(shown, int) else (None, shown)

    def count(self, name: str) -> dict[str, Any]:
        count, mark = self._read(name)
        return marked({"numerator": count, "denominator": None, "value": count},
                      {"numerator": mark, "value": mark})

    def share(self, numerator: str, denominator: str) -> dict[str, Any]:
        """Numerator over denominator; no value when either is hidden (or the denominator is 0)."""
        (top, top_mark), (bottom, bottom_mark) = self._read(numerator), self._read(denominator)
        value = round(top / bottom, 4) if top is not None and bottom else None
        return marked({"numerator": top, "denominator": bottom, "value": value},
                      {"numerator": top_mark, "denominator": bottom_mark})


def marked(figure: dict[str, Any], marks: dict[str, str | None]) -> dict[str, Any]:
    """The figure with ``suppressed`` naming each hidden part and its mark, when any is hidden: a
    hidden count is None where a number stands, never a string."""
    hidden = {part: mark for part, mark in marks.items() if mark}
    return {**figure, "suppressed": hidden} if hidden else figure


def province_of(area, units: AdminUnits) -> str:
    if area.level == "province":
        return area.code
    return next(code for level, code in units.parents(area.code, area.map_version) if level == "province")


def tree(province: str, map_version: str, units: AdminUnits) -> dict[Node, list[Node]]:
    """Province -> legacy districts -> communes, or province -> communes on the 2025 map."""
    communes = units.communes_in(province, map_version)
    top: Node = ("province", province)
    if map_version != LEGACY:
        return {top: [("commune", c.code) for c in communes]}
    children: dict[Node, list[Node]] = defaultdict(list)
    for commune in communes:
        district: Node = ("district", commune.district_code)
        if district not in children[top]:
            children[top].append(district)
        children[district].append(("commune", commune.code))
    return dict(children)


def _add_up(children: dict[Node, list[Node]], by_commune: ByCommune, names: list[str], node: Node,
            counts: dict) -> dict[str, int]:
    if node[0] == "commune":
        values = {name: by_commune.get(node[1], {}).get(name, 0) for name in names}
    else:
        parts = [_add_up(children, by_commune, names, kid, counts) for kid in children.get(node, [])]
        values = {name: sum(p[name] for p in parts) for name in names}
    counts.update({(node, name): value for name, value in values.items()})
    return values


def suppressed(by_commune: ByCommune, names: list[str], province: str, children: dict[Node, list[Node]],
               groups: list[tuple[str, list[str]]], threshold: int,
               sensitive: Callable[[str], bool] | None = None) -> Table:
    """The communes' counts added up the tree from the province and suppressed together (only the
    ``sensitive`` ones for being small, when given)."""
    counts: dict = {}
    _add_up(children, by_commune, names, ("province", province), counts)
    return suppress(Table(counts, children, groups), threshold, sensitive)


def keeps(repo, period: tuple[date, date] | None) -> bool:
    """Whether a report's counts may be kept: the repository keeps counts and the conditions' ``period``
    is known (the conditions are made from it and ``as_of`` only)."""
    return getattr(repo, "keep_counts", False) and period is not None


def children_counts(repo, map_version: str, area: tuple[str, str], commune_column: str, as_of: date,
                    asked: dict, units: AdminUnits, period: tuple[date, date] | None,
                    outside: bool = False) -> dict:
    """Each commune's counts of the area's children: kept ones where the commune's data has not changed
    since (``count_cache``; a commune's counts do not depend on the area asked, so a province's, a
    district's and a commune's reports share them), when counts may be kept (``keeps``). ``outside``:
    the area's children in no commune of its map too (under None; kept under the area's own place)."""
    column, code = area
    if not keeps(repo, period):
        return repo.counts(column, code, as_of, asked, by=commune_column)
    communes = sorted(codes(units, code, map_version))
    key = count_cache.statement_key(as_of, *period, asked, f"children|{map_version}")
    counted, _ = count_cache.kept_counts(
        repo.session, map_version, communes, as_of, key,
        lambda stale: repo.counts(column, code, as_of, asked, by=commune_column, among=stale))
    if outside and column != commune_column:  # a commune's children are all in it
        counted[None] = kept_outside(repo, map_version, code, as_of, key, lambda: _added(
            repo.counts(column, code, as_of, asked, by=commune_column, among=communes, outside=True)))
    return {commune: values for commune, values in counted.items() if values}  # none lived there: absent


def grouped_counts(repo, map_version: str, area: tuple[str, str], commune_column: str, as_of: date,
                   asked: dict, label: tuple[str, Any], units: AdminUnits, period: tuple[date, date] | None,
                   outside: bool = False) -> dict[tuple[str | None, Any], dict[str, int]]:
    """The area's children counts by (commune, group of ``label``: its name and expression, a
    breakdown's dimension or a residence column), each commune's kept as ``children_counts`` keeps them;
    ``outside``: the area's children in no commune of it too, under the commune None."""
    column, code = area
    if not keeps(repo, period):
        return repo.counts(column, code, as_of, asked, by=(commune_column, label[1]))
    communes = sorted(codes(units, code, map_version))
    key = count_cache.statement_key(as_of, *period, asked, f"grouped|{label[0]}|{map_version}")

    def count(among: list[str], beyond: bool = False) -> dict[str | None, dict[str, int]]:
        found: dict[str | None, dict[str, int]] = defaultdict(dict)
        grouped = repo.counts(column, code, as_of, asked, by=(commune_column, label[1]), among=among,
                              outside=beyond)
        for (commune, group), values in grouped.items():
            flat = found[None if beyond else commune]
            for name, value in values.items():
                cell = f"{'' if group is None else group}\t{name}"
                flat[cell] = flat.get(cell, 0) + value
        return found

    kept, _ = count_cache.kept_counts(repo.session, map_version, communes, as_of, key, count)
    if outside and column != commune_column:
        kept[None] = kept_outside(repo, map_version, code, as_of, key, lambda: count(communes, True)[None])
    found: dict[tuple[str | None, Any], dict[str, int]] = defaultdict(dict)
    for commune, flat in kept.items():
        for cell, value in flat.items():
            group, name = cell.split("\t", 1)
            found[(commune, group or None)][name] = value
    return dict(found)


def by_group(grouped: dict[tuple[str | None, Any], dict[str, int]]) -> dict[Any, dict[str, int]]:
    """``grouped_counts``' counts added up over the communes, by group."""
    found: dict[Any, dict[str, int]] = defaultdict(dict)
    for (_, group), values in grouped.items():
        for name, value in values.items():
            found[group][name] = found[group].get(name, 0) + value
    return dict(found)


def kept_outside(repo, map_version: str, code: str, as_of: date, key: str, count: Callable[[], dict]
                 ) -> dict:
    """What an area holds in none of its communes (``count``), kept under the area's own place."""
    place = count_cache.outside(code)
    kept, _ = count_cache.kept_counts(repo.session, map_version, [place], as_of, key,
                                      lambda _: {place: count()})
    return kept[place]


def codes(units: AdminUnits, code: str, map_version: str) -> set[str]:
    return {commune.code for commune in units.communes_in(code, map_version)}


def _added(grouped: dict) -> dict[str, int]:
    """Groups' counts added up (nothing when there is no group)."""
    found: dict[str, int] = {}
    for values in grouped.values():
        for name, count in values.items():
            found[name] = found.get(name, 0) + count
    return found


def placed_counts(repo, model: type, map_version: str, province: str, columns: dict, as_of: date,
                  counted: dict, units: AdminUnits, period: tuple[date, date] | None, kind: str) -> ByCommune:
    """Each commune of the province's counts of the rows of a placed table (protection cases, referrals),
    where they were placed: kept as children's counts are, when they may be (``keeps``)."""
    province_column, commune_column = columns[(map_version, "province")], columns[(map_version, "commune")]

    def count(among: list[str] | None) -> ByCommune:
        found = repo.placed_counts(model, province_column, province, counted, commune_column, among)
        return {commune: values for commune, values in found.items() if commune is not None}

    if not keeps(repo, period):
        return count(None)
    key = count_cache.statement_key(as_of, *period, counted, f"{kind}|{map_version}")
    communes = sorted(codes(units, province, map_version))
    kept, _ = count_cache.kept_counts(repo.session, map_version, communes, as_of, key, count)
    return {commune: values for commune, values in kept.items() if values}


def province_table(repo, area, as_of: date, units: AdminUnits, columns: dict, children_counted: dict,
                   cases_counted: dict, groups: list[tuple[str, list[str]]],
                   shown: frozenset[str] = frozenset(),
                   derived: dict[str, tuple[str, str]] | None = None,
                   period: tuple[date, date] | None = None) -> Table:
    """Every commune of the area's province counted (children where they live on ``as_of``, cases
    where they were opened), added up and suppressed; the counts named in ``shown`` are not hidden
    for being small, only to protect a small one (the composite's, beside its protected part).
    ``derived``: counts made as one counted less another (a part: its whole less the other part),
    not by their own conditions in ``children_counted``. ``period``: the dates the conditions were made
    for, when the communes' counts may be kept (``children_counts``)."""
    province = province_of(area, units)
    province_column = columns[(area.map_version, "province")]
    commune_column = columns[(area.map_version, "commune")]
    by_commune: ByCommune = defaultdict(dict)
    derived = derived or {}
    asked = {name: condition for name, condition in children_counted.items() if name not in derived}
    found = [children_counts(repo, area.map_version, (province_column, province), commune_column, as_of,
                             asked, units, period),
             placed_counts(repo, ProtectionCase, area.map_version, province, columns, as_of, cases_counted,
                           units, period, "cases")]
    for counted in found:
        for commune, values in counted.items():
            if commune is not None:
                by_commune[commune].update(values)
    for name, (whole, part) in derived.items():
        for values in by_commune.values():
            values[name] = values.get(whole, 0) - values.get(part, 0)
    names = [*children_counted, *cases_counted, *(name for name in derived if name not in children_counted)]
    return suppressed(by_commune, names, province, tree(province, area.map_version, units), groups,
                      protection.threshold(), (lambda name: name not in shown) if shown else None)
