"""The province's communes on both maps and each one's profile: how remote it is, and the coverage
that follows from it (minority and poor households, registration on time, cards, vaccination,
growth monitoring, checks, schooling).

Every legacy commune (the map in force until 30 June 2025) has one successor on the 2025 map
(``AdminUnits.legacy_to_current``); a child lives in a legacy commune and its records name that
commune's code on the map in force on their date. Wards and townships (phường, thị trấn) are the
least remote; rural communes (xã) are 0.4 to 1.0 remote, drawn per commune from the seed.
"""

import random
from dataclasses import dataclass
from datetime import date

from shared.rules.admin_units import CURRENT, LEGACY, AdminUnits

TOWN_PREFIXES = ("Phường", "Thị trấn")


@dataclass(frozen=True)
class Place:
    """A legacy commune, its successor on the 2025 map, and its profile (rates are shares, 0-1)."""

    legacy: str
    current: str
    name: str
    remoteness: float
    weight: float  # its share of the province's children, before normalising

    def code_on(self, day: date, units: AdminUnits) -> str:
        return self.current if units.map_on(day) == CURRENT else self.legacy

    def rate(self, near: float, remote: float) -> float:
        """A rate that moves from ``near`` (remoteness 0) to ``remote`` (remoteness 1)."""
        return near + (remote - near) * self.remoteness


def places(units: AdminUnits, province: str, seed: int, communes: int | None = None) -> list[Place]:
    """The legacy communes of ``province`` with their profiles; with ``communes``, only those merged
    into the first ``communes`` communes of the 2025 map (so a small province still spans both maps)."""
    current = [c.code for c in units.communes_in(province, CURRENT)]
    kept = set(current[:communes] if communes else current)
    chosen = []
    for commune in units.communes_in(province, LEGACY):
        successor = units.legacy_to_current[commune.code]
        if successor not in kept:
            continue
        rng = random.Random(f"{seed}/place/{commune.code}")
        town = commune.name.startswith(TOWN_PREFIXES)
        remoteness = rng.uniform(0.05, 0.3) if town else rng.uniform(0.4, 1.0)
        weight = rng.lognormvariate(0, 0.5) * (2.0 if town else 1.0)
        chosen.append(Place(commune.code, successor, commune.name, round(remoteness, 3), weight))
    return chosen
