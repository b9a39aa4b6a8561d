"""Vietnamese administrative units on both maps, with validity dates and the old -> new crosswalk.

Data comes from the maintained PyPI package ``vietnamadminunits`` (MIT; GSO codes): the legacy map
(63 provinces, 696 districts, 10,035 communes, in force until 30 June 2025) and the map in force
from 1 July 2025 (34 provinces, no districts, 3,321 communes), plus its converter, which sends every
legacy commune to one new commune (split communes to the package's default successor). A 5-digit
code alone is ambiguous across the maps (03388 is two different wards), so a code is always read on
the map in force on a date.
"""

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from importlib.resources import files

LEGACY = "legacy"
CURRENT = "2025"
CURRENT_MAP_FROM = date(2025, 7, 1)


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    province_code: str
    district_code: str | None
    map_version: str


@dataclass(frozen=True)
class AdminUnits:
    legacy: dict[str, Commune]
    current: dict[str, Commune]
    legacy_to_current: dict[str, str]
    legacy_districts: frozenset[str]
    area_names: dict[tuple[str, str], str]  # (map_version, province/district code) -> name
    provinces: dict[str, frozenset[str]]  # map_version -> province codes

    def map_on(self, on: date) -> str:
        return CURRENT if on >= CURRENT_MAP_FROM else LEGACY

    def commune(self, code: str, on: date) -> Commune | None:
        return (self.current if self.map_on(on) == CURRENT else self.legacy).get(code)

    def area_level(self, code: str, map_version: str) -> str | None:
        """'province', 'district' or 'commune' if ``code`` names a unit on that map, else None."""
        communes = self.current if map_version == CURRENT else self.legacy
        if len(code) == 5:
            return "commune" if code in communes else None
        if len(code) == 3 and map_version == LEGACY:
            return "district" if code in self.legacy_districts else None
        if len(code) == 2:
            return "province" if code in self.provinces[map_version] else None
        return None

    def area_name(self, code: str, map_version: str) -> str | None:
        if len(code) == 5:
            commune = self.commune_on_map(code, map_version)
            return commune.name if commune else None
        return self.area_names.get((map_version, code))

    def parents(self, code: str, map_version: str) -> list[tuple[str, str]]:
        """(level, code) of the units above an area, province first: where a commune lies."""
        if len(code) == 3:
            return [("province", self._district_provinces[code])]
        commune = self.commune_on_map(code, map_version) if len(code) == 5 else None
        if commune is None:
            return []
        above = [("province", commune.province_code)]
        return above + ([("district", commune.district_code)] if commune.district_code else [])

    def communes_in(self, code: str, map_version: str) -> list[Commune]:
        """Every commune of a province, district or commune on one map, by code."""
        communes = (self.current if map_version == CURRENT else self.legacy).values()
        level = {2: "province_code", 3: "district_code", 5: "code"}[len(code)]
        return sorted((c for c in communes if getattr(c, level) == code), key=lambda c: c.code)

    def covers(self, area_code: str, area_map: str, target_code: str, target_map: str) -> bool:
        """Whether an area (a province, district or commune, read on ``area_map``) holds every commune
        of a target area read on ``target_map``. Across maps a legacy commune lies where its successor
        lies, so the officer of a 2025 ward covers the legacy communes merged into it, and not the old
        district that ward was carved from (most of it lies elsewhere)."""
        inside = self._codes_in(area_code, area_map)
        target = self._codes_in(target_code, target_map)
        if not target or not inside:
            return False
        if area_map == target_map:
            return target <= inside
        if area_map == CURRENT:
            return all(self.legacy_to_current.get(code) in inside for code in target)
        return all(self._predecessors.get(code, frozenset({""})) <= inside for code in target)

    def _codes_in(self, code: str, map_version: str) -> frozenset[str]:
        key = (code, map_version)
        if key not in self._areas:
            self._areas[key] = frozenset(c.code for c in self.communes_in(code, map_version)
                                         ) if len(code) in (2, 3, 5) else frozenset()
        return self._areas[key]

    @cached_property
    def _areas(self) -> dict[tuple[str, str], frozenset[str]]:
        return {}

    @cached_property
    def _predecessors(self) -> dict[str, frozenset[str]]:
        merged: dict[str, set[str]] = {}
        for legacy, current in self.legacy_to_current.items():
            merged.setdefault(current, set()).add(legacy)
        return {current: frozenset(codes) for current, codes in merged.items()}

    def commune_on_map(self, code: str, map_version: str) -> Commune | None:
        return (self.current if map_version == CURRENT else self.legacy).get(code)

    @cached_property
    def _district_provinces(self) -> dict[str, str]:
        return {c.district_code: c.province_code for c in self.legacy.values()}


def _dataset_path():
    return files("vietnamadminunits") / "data"


def _rows(sql: str) -> list[sqlite3.Row]:
    with sqlite3.connect(str(_dataset_path() / "dataset.db")) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql).fetchall()


def _crosswalk(legacy_keys: dict[str, str], current_keys: dict[tuple[str, str], str]) -> dict:
    converter = json.loads((_dataset_path() / "converter_2025.json").read_text(encoding="utf-8"))
    walk: dict[str, str] = {}
    for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, old_keys in wards.items():
            for old_key in old_keys:
                if old_key in legacy_keys:  # island districts without communes have no ward key
                    walk[legacy_keys[old_key]] = current_keys[(province, new_ward)]
    for province, old_wards in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in old_wards.items():
            default = next(t for t in targets if t["isDefaultNewWard"])
            walk[legacy_keys[old_key]] = current_keys[(province, default["newWardKey"])]
    return walk


@lru_cache(maxsize=1)
def admin_units() -> AdminUnits:
    """Load both maps once per process (about 0.1 s)."""
    legacy_rows = _rows("SELECT province, district, provinceCode, districtCode, wardCode, ward, "
                        "provinceKey, districtKey, wardKey FROM admin_units_legacy")
    current_rows = _rows("SELECT province, provinceCode, wardCode, ward, provinceKey, wardKey "
                         "FROM admin_units")
    legacy = {r["wardCode"]: Commune(r["wardCode"], r["ward"], r["provinceCode"], r["districtCode"],
                                     LEGACY) for r in legacy_rows if r["wardCode"]}
    current = {r["wardCode"]: Commune(r["wardCode"], r["ward"], r["provinceCode"], None, CURRENT)
               for r in current_rows}
    legacy_keys = {f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": r["wardCode"]
                   for r in legacy_rows if r["wardCode"]}
    current_keys = {(r["provinceKey"], r["wardKey"]): r["wardCode"] for r in current_rows}
    names = {(LEGACY, r["provinceCode"]): r["province"] for r in legacy_rows}
    names.update({(LEGACY, r["districtCode"]): r["district"] for r in legacy_rows})
    names.update({(CURRENT, r["provinceCode"]): r["province"] for r in current_rows})
    provinces = {LEGACY: frozenset(r["provinceCode"] for r in legacy_rows),
                 CURRENT: frozenset(r["provinceCode"] for r in current_rows)}
    return AdminUnits(legacy, current, _crosswalk(legacy_keys, current_keys),
                      frozenset(r["districtCode"] for r in legacy_rows), names, provinces)
