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

from services.reporting.sources.programme import store
from shared.rules import programme
from shared.rules.admin_units import CURRENT

if TYPE_CHECKING:
    from services.reporting.indicators import Area


@dataclass(frozen=True)
class ProgrammeFigures:
    values: dict[str, dict[str, int]]  # entered commune -> figure -> its value for the period
    placed: dict[str, str | None]  # entered commune -> the commune of the area's map it lies in

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


def read(session: Session, area: "Area", start: date, end: date) -> ProgrammeFigures:
    entries: dict[str, dict[str, dict[programme.Period, int]]] = defaultdict(lambda: defaultdict(dict))
    placed: dict[str, str | None] = {}
    for commune, where, figure, period, value in store.placed_in(
            session, area.column, area.code, start, end, commune_column(area.map_version)):
        entries[commune][figure][period] = value
        placed[commune] = where
    values = {commune: {code: programme.combine(code, periods, start, end)
                        for code, periods in figures.items()} for commune, figures in entries.items()}
    values = {commune: {k: v for k, v in found.items() if v is not None} for commune, found in values.items()}
    return ProgrammeFigures(values, placed)
