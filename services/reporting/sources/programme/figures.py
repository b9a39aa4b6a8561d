"""The programme figures of an area for a report period, beside the child-level figures.

Every current entry placed in the area whose period meets the report's is read (one statement);
each commune's figure is made from its own entries (``shared.rules.programme.combine``: a flow
adds disjoint periods, a stock takes the latest), then the communes are added up: the area's
figures, or one commune's of the area's map (a 2025 ward gathers the legacy communes merged into
it). An area on the legacy map holds no entry made on the 2025 map (a ward may hold parts of
several old communes), so a legacy district's figures end with 30 June 2025.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from services.reporting import count_cache
from services.reporting.province_cells import codes, keeps, kept_outside
from services.reporting.sources.programme import store
from shared.rules import programme
from shared.rules.admin_units import CURRENT, AdminUnits

if TYPE_CHECKING:
    from services.reporting.indicators import Area


@dataclass(frozen=True)
class ProgrammeFigures:
    values: dict[str, dict[str, int]]  # entered commune (map:code) -> figure -> its value for the period
    placed: dict[str, str | None]  # entered commune (map:code) -> the commune of the area's map it lies in

    def communes(self, commune: str | None = None) -> list[dict[str, int]]:
        return [v for code, v in self.values.items() if commune is None or self.placed[code] == commune]

    def totals(self, commune: str | None = None) -> dict[str, dict[str, int]]:
        """Each figure summed over the communes that entered it, with how many did."""
        found: dict[str, dict[str, int]] = {}
        for values in self.communes(commune):
            for code, value in values.items():
                total = found.setdefault(code, {"value": 0, "communes_reporting": 0})
                total["value"] += value
                total["communes_reporting"] += 1
        return {code: found[code] for code in programme.figures() if code in found}

    def figures(self, commune: str | None = None) -> dict[str, dict[str, Any]]:
        """The report's figures for the area, or for one of its communes (code on the area's map)."""
        return programme.reported(self.communes(commune))


def commune_column(map_version: str) -> str:
    return "current_commune" if map_version == CURRENT else "legacy_commune"


Entered = dict[str, dict[str, Any]]  # entered commune -> {"at": its commune on the map, "values": ...}


def entered(rows: list[tuple[str, str | None, str, programme.Period, int]], start: date, end: date
            ) -> Entered:
    """Each entered commune's figures for the period (``store.placed_in``'s rows) and where it lies."""
    entries: dict[str, dict[str, dict[programme.Period, int]]] = defaultdict(lambda: defaultdict(dict))
    placed: dict[str, str | None] = {}
    for commune, where, figure, period, value in rows:
        entries[commune][figure][period] = value
        placed[commune] = where
    values = {commune: {code: programme.combine(code, periods, start, end)
                        for code, periods in figures.items()} for commune, figures in entries.items()}
    return {commune: {"at": placed[commune], "values": {k: v for k, v in found.items() if v is not None}}
            for commune, found in values.items()}


def figures_of(found: Entered) -> ProgrammeFigures:
    return ProgrammeFigures({commune: entry["values"] for commune, entry in found.items()},
                            {commune: entry["at"] for commune, entry in found.items()})


def read(session: Session, area: "Area", start: date, end: date) -> ProgrammeFigures:
    rows = store.placed_in(session, area.column, area.code, start, end, commune_column(area.map_version))
    return figures_of(entered(rows, start, end))


def read_kept(repo: Any, area: "Area", as_of: date, start: date, end: date, units: AdminUnits
              ) -> ProgrammeFigures:
    """``read``, each commune's entries kept as the children's counts are (``province_cells``): read
    again only for the communes a programme write changed since, when counts may be kept."""
    if not keeps(repo, (start, end)):
        return read(repo.session, area, start, end)
    column = commune_column(area.map_version)

    def read_among(among: list[str], outside: bool = False) -> Entered:
        return entered(store.placed_in(repo.session, area.column, area.code, start, end, column, among,
                                       outside), start, end)

    def by_place(among: list[str]) -> dict[str, Entered]:
        found: dict[str, Entered] = defaultdict(dict)
        for commune, entry in read_among(among).items():
            found[entry["at"]][commune] = entry
        return found

    communes = sorted(codes(units, area.code, area.map_version))
    key = count_cache.statement_key(as_of, start, end, ["entries"], f"programme|{area.map_version}")
    kept, _ = count_cache.kept_counts(repo.session, area.map_version, communes, as_of, key, by_place)
    found = {commune: entry for place in kept.values() for commune, entry in place.items()}
    if area.column != column:
        found.update(kept_outside(repo, area.map_version, area.code, as_of, key,
                                  lambda: read_among(communes, outside=True)))
    return figures_of(found)
