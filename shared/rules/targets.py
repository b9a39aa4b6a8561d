"""The targets the plans signed, as data (``data/targets.yaml``), read for an area and a year; pure.

A plan sets milestones (2020 and 2025 for Decision 1437's plans), each a percentage per target key or
null (no numeric target, reported as such, never 0). A year on a milestone reads it; a year between two
reads the straight path between them (``between_milestones: linear``, or ``next_milestone``); a year
before the first reads the first; a year after the last holds the last (``after_last_milestone:
hold_last``, or ``national``). A key the plan does not mention, and every key of a province with no
plan, is read from the national targets: Decision 1437's, then Decision 23's (to 2030).

Which plan is in force where, on both maps: on the legacy map, the plan of the area's province; on the
2025 map, a province reads the plan of the legacy province that kept its code (Quảng Ngãi 51 has none,
so national), and a commune reads the plan of the legacy province its former communes lay in (a Kon
Tum commune reads Kon Tum's plan, a Hà Giang commune now in Tuyên Quang 08 the national targets). So a
merged province's own figure is measured against the plan of the province that kept the code, and
each of its communes against its former province's plan.
"""

import itertools
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from shared.rules.admin_units import CURRENT, LEGACY, AdminUnits

NATIONAL = "national"
NETWORK = "referral_network"  # its targets count units of a kind: each plan's unit_for_network
Milestones = tuple[tuple[int, float | None, str], ...]  # (year, percent or None, source document)


class UnknownTarget(ValueError):
    """No plan and no national decision sets this target key."""


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    legacy_province: str | None = None
    province_2025: str | None = None
    in_force_from: int = 0
    milestones: dict[int, dict[str, float | None]] = field(default_factory=dict)
    unit_for_network: str | None = None

    def states(self, key: str) -> bool:
        return any(key in values for values in self.milestones.values())

    def series(self, key: str) -> Milestones:
        return tuple((year, _percent(values[key]), self.name)
                     for year, values in sorted(self.milestones.items()) if key in values)


@dataclass(frozen=True)
class Target:
    key: str
    year: int
    value: float | None  # percent 0-100; None: no numeric target
    plan: str  # the plan in force for the area
    source: str  # the document(s) the value is read from
    reading: str  # milestone | linear | next_milestone | before_first_milestone | after_last_milestone
    direction: str = "at_least"  # at_most: on track while the value stays at or under the target
    unit: str | None = None  # the network target's unit (province, district), None for the others


READINGS = {"between_milestones": ("linear", "next_milestone"),
            "after_last_milestone": ("hold_last", NATIONAL)}


@cache
def rules() -> dict[str, Any]:
    found = yaml.safe_load((files("shared.rules") / "data" / "targets.yaml").read_text("utf-8"))
    for setting, allowed in READINGS.items():
        if found["reading"][setting] not in allowed:
            raise ValueError(f"targets.yaml reading.{setting} must be one of {allowed}.")
    return found


@cache
def plans() -> tuple[Plan, ...]:
    return tuple(Plan(p["id"], p["name"], p["legacy_province"], p["province_2025"], p["in_force_from"],
                      {int(y): dict(v) for y, v in p["milestones"].items()}, p["unit_for_network"])
                 for p in rules()["plans"])


@cache
def national_plan() -> Plan:
    """The plan in force where a province has none: it states no key, so every key reads the national
    series (``national_series``: per key and year, the first national decision that sets it)."""
    first = rules()["national"][0]
    return Plan(NATIONAL, rules()["national_name"], unit_for_network=first["unit_for_network"])


@cache
def national_series(key: str) -> Milestones:
    found: dict[int, tuple[float | None, str]] = {}
    for decision in rules()["national"]:
        aliases = {theirs: ours for theirs, ours in decision.get("answers", {}).items()}
        for year, values in decision["milestones"].items():
            for name, value in values.items():
                if aliases.get(name, name) == key and int(year) not in found:
                    found[int(year)] = (_percent(value), decision["name"])
    return tuple((year, value, source) for year, (value, source) in sorted(found.items()))


def direction(key: str) -> str:
    return rules()["indicators"].get(key, {}).get("direction", "at_least")


def plan_in_force(province_code: str, map_version: str, year: int) -> Plan:
    """The plan of a province on a map (the legacy province's, or on the 2025 map the plan of the
    legacy province that kept the code), else the national targets."""
    for plan in plans():
        kept = map_version == LEGACY or plan.province_2025 == province_code
        if plan.legacy_province == province_code and kept and year >= plan.in_force_from:
            return plan
    return national_plan()


def plan_for_area(code: str, map_version: str, year: int, units: AdminUnits) -> Plan:
    """The plan in force for a province, legacy district or commune on its map, in a year."""
    if len(code) == 2:
        return plan_in_force(code, map_version, year)
    if map_version == CURRENT and len(code) == 5:
        former = former_province(code, units)
        return plan_in_force(former, LEGACY, year) if former else national_plan()
    province = dict(units.parents(code, map_version)).get("province")
    return plan_in_force(province, map_version, year) if province else national_plan()


def former_province(commune_2025: str, units: AdminUnits) -> str | None:
    """The legacy province most of a 2025 commune's former communes lay in (ties: the one whose code
    the commune's province kept). A commune with no former commune (an island district that had none,
    such as Bạch Long Vĩ) lay in the province whose code its province kept."""
    if commune_2025 not in units.current:
        return None
    kept = units.current[commune_2025].province_code
    provinces = _former_provinces(units).get(commune_2025) or Counter({kept: 1})
    return max(provinces, key=lambda code: (provinces[code], code == kept, code))


_FORMER: dict[int, dict[str, Counter]] = {}


def _former_provinces(units: AdminUnits) -> dict[str, Counter]:
    if id(units) not in _FORMER:
        former: dict[str, Counter] = {}
        for legacy, current in units.legacy_to_current.items():
            former.setdefault(current, Counter())[units.legacy[legacy].province_code] += 1
        _FORMER[id(units)] = former
    return _FORMER[id(units)]


def target(key: str, year: int, plan: Plan) -> Target:
    """The target for ``key`` in ``year`` under ``plan`` (its milestones, else the national ones)."""
    if not plan.states(key) and not national_series(key):
        raise UnknownTarget(f"No plan and no national decision sets a target {key!r}.")
    read_from = plan if plan.states(key) and not _past_plan(key, year, plan) else national_plan()
    series = national_series(key) if read_from.id == NATIONAL else plan.series(key)
    value, source, reading = read_series(series, year, rules()["reading"]["between_milestones"])
    unit = read_from.unit_for_network if key == NETWORK else None
    return Target(key, year, value, plan.name, source, reading, direction(key), unit)


def _past_plan(key: str, year: int, plan: Plan) -> bool:
    """Whether ``year`` is after the plan's last milestone for ``key`` and the data says to read the
    national targets then."""
    return (rules()["reading"]["after_last_milestone"] == NATIONAL and bool(national_series(key))
            and year > plan.series(key)[-1][0])


def target_for_area(key: str, code: str, map_version: str, year: int, units: AdminUnits) -> Target:
    return target(key, year, plan_for_area(code, map_version, year, units))


def read_series(series: Milestones, year: int, between: str) -> tuple[float | None, str, str]:
    """(value, source, reading) of ``year`` on a series of milestones, oldest first."""
    for (start, low, low_source), (end, high, high_source) in itertools.pairwise(series):
        if start < year < end:
            if between == "linear" and low is not None and high is not None:
                value = round(low + (high - low) * (year - start) / (end - start), 2)
                source = low_source if low_source == high_source else f"{low_source} → {high_source}"
                return value, source, "linear"
            return high, high_source, "next_milestone"
    exact = [(value, source) for on, value, source in series if on == year]
    if exact:
        return *exact[0], "milestone"
    first, last = series[0], series[-1]
    if year < first[0]:
        return first[1], first[2], "before_first_milestone"
    return last[1], last[2], "after_last_milestone"


def _percent(value: Any) -> float | None:
    return None if value is None else float(value)
