"""A reproducible cohort of children who move across provinces and across 1 July 2025, and the
hand count of its indicators, done here in plain Python from the cohort itself (not from events).

Each child is born and registered in one of four provinces (Lai Châu; Kon Tum and Hà Giang, both
merged away in 2025; Tuyên Quang), may move up to twice to another province's commune (on the map in
force on the move's date), may hold an older card still valid with a newer one issued later, and may
die. ``expected`` counts an indicator the way the plan defines it: the child where it lived ON the
date, any card valid ON the date. ``naive`` counts it the old way (latest residence, latest card),
to show the cohort tells the two apart.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from shared.rules.admin_units import LEGACY, AdminUnits
from tests.support.factories import personal_id

LEGACY_PROVINCES = ("12", "62", "02", "08")  # Lai Châu, Kon Tum, Hà Giang, Tuyên Quang
CURRENT_PROVINCES = ("12", "51", "08")  # Lai Châu, Quảng Ngãi (+ Kon Tum), Tuyên Quang (+ Hà Giang)
FIRST_DAY, LAST_DAY = date(2019, 1, 1), date(2026, 10, 31)


@dataclass
class Child:
    child_id: str
    sex: str
    born: date
    registered: date
    commune: str
    moves: list[tuple[date, str]] = field(default_factory=list)
    cards: list[tuple[date, date]] = field(default_factory=list)
    died: date | None = None


def communes(units: AdminUnits) -> tuple[list[str], list[str]]:
    """Two communes in each of two districts per legacy province; their successors and a few more."""
    legacy = []
    for province in LEGACY_PROVINCES:
        in_province = sorted((c for c in units.legacy.values() if c.province_code == province),
                             key=lambda c: c.code)
        districts = sorted({c.district_code for c in in_province})[:2]
        for district in districts:
            legacy += [c.code for c in sorted((c for c in in_province if c.district_code == district),
                                              key=lambda c: c.code)[:2]]
    current = {units.legacy_to_current[code] for code in legacy}
    for province in CURRENT_PROVINCES:
        current.update(sorted(c.code for c in units.current.values() if c.province_code == province)[:3])
    return legacy, sorted(current)


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _commune_on(rng: random.Random, day: date, legacy: list[str], current: list[str]) -> str:
    return rng.choice(legacy if day < date(2025, 7, 1) else current)


def make_cohort(units: AdminUnits, size: int = 400, seed: int = 1437) -> list[Child]:
    rng = random.Random(seed)
    legacy, current = communes(units)
    children = []
    for n in range(size):
        sex = rng.choice(("male", "female"))
        born = _day(rng, FIRST_DAY, date(2026, 6, 30))
        registered = min(born + timedelta(days=rng.choice((5, 30, 59, 61, 120))), LAST_DAY)
        child = Child(personal_id(sex, born, serial=700000 + n), sex, born, registered,
                      _commune_on(rng, registered, legacy, current))
        for _ in range(rng.choice((0, 1, 1, 2))):
            moved = _day(rng, born, LAST_DAY)
            child.moves.append((moved, _commune_on(rng, moved, legacy, current)))
        if rng.random() < 0.8:
            first_to = min(born + timedelta(days=rng.choice((400, 900, 2190))), date(2031, 9, 30))
            child.cards.append((registered, first_to))
            if rng.random() < 0.5:
                child.cards.append((_day(rng, registered, LAST_DAY), date(2032, 9, 30)))
        if rng.random() < 0.05:
            child.died = _day(rng, born, LAST_DAY)
        children.append(child)
    return children


def residences(child: Child, units: AdminUnits) -> list[tuple[date, int, str, str]]:
    """(since, order, commune, map) from birth on: each code is read on the map of its record's date."""
    birth = (child.born, -1, child.commune, units.map_on(child.registered))
    return sorted([birth] + [(day, n, code, units.map_on(day)) for n, (day, code) in enumerate(child.moves)])


def areas_on(child: Child, on: date, units: AdminUnits, naive: bool = False) -> set[str]:
    """The codes of every area the child lived in on ``on`` (``naive``: where it lives last)."""
    in_force = [r for r in residences(child, units) if naive or r[0] <= on]
    _, _, code, recorded_map = in_force[-1]
    if units.map_on(on) == LEGACY:
        if recorded_map != LEGACY:
            return set()  # a 2025-map residence has no place on the legacy map
        unit = units.legacy[code]
        return {unit.code, unit.district_code, unit.province_code}
    successor = units.legacy_to_current[code] if recorded_map == LEGACY else code
    return {successor, units.current[successor].province_code}


def _under(child: Child, on: date, years: int) -> bool:
    try:
        floor = on.replace(year=on.year - years)
    except ValueError:
        floor = on.replace(year=on.year - years, day=28)
    return floor < child.born <= on


def counts(cohort: list[Child], area: str, on: date, start: date, end: date, units: AdminUnits,
           naive: bool = False) -> dict:
    found = dict.fromkeys(("births", "on_time", "under5", "under6", "card"), 0)
    for child in cohort:
        if child.registered > on or area not in areas_on(child, on, units, naive):
            continue
        if start <= child.born <= end:
            found["births"] += 1
            found["on_time"] += (child.registered - child.born).days <= 60
        alive = child.died is None or child.died > on
        if alive and _under(child, on, 5):
            found["under5"] += 1
        if alive and _under(child, on, 6):
            found["under6"] += 1
            found["card"] += _card_valid(child, on, naive)
    return found


def _card_valid(child: Child, on: date, naive: bool) -> bool:
    if naive:
        latest = max(child.cards, default=None)
        return latest is not None and latest[0] <= on <= latest[1]
    return any(issued <= on <= valid_to for issued, valid_to in child.cards)


def figures(found: dict) -> dict:
    def ratio(numerator: int, denominator: int) -> dict:
        value = round(numerator / denominator, 4) if denominator else None
        return {"numerator": numerator, "denominator": denominator, "value": value}

    return {"birth_registration_on_time": ratio(found["on_time"], found["births"]),
            "under5_registered": {"numerator": found["under5"], "denominator": None,
                                  "value": found["under5"]},
            "under6_insurance_card_coverage": ratio(found["card"], found["under6"])}
