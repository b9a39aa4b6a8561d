"""Golden tests for the administrative units read from vietnamadminunits (BRIEF section 7)."""

from datetime import date

from shared.rules.admin_units import admin_units


def test_counts_match_the_two_maps():
    units = admin_units()
    assert len({c.province_code for c in units.legacy.values()}) == 63
    assert len(units.legacy_districts) == 696
    assert len(units.legacy) == 10035  # 10,040 rows less 5 island districts without communes
    assert len({c.province_code for c in units.current.values()}) == 34
    assert len(units.current) == 3321


def test_one_code_names_two_wards_on_the_two_maps():
    units = admin_units()
    assert units.commune("03388", date(2025, 6, 30)).name == "Phường Quyết Tiến"
    assert units.commune("03388", date(2025, 6, 30)).district_code == "105"
    assert units.commune("03388", date(2025, 7, 1)).name == "Phường Đoàn Kết"


def test_kon_tum_becomes_exactly_40_communes_of_quang_ngai():
    units = admin_units()
    kon_tum = [c.code for c in units.legacy.values() if c.province_code == "62"]
    successors = {units.legacy_to_current[code] for code in kon_tum}
    assert len(kon_tum) == 102
    assert len(successors) == 40
    assert {units.current[code].province_code for code in successors} == {"51"}


def test_every_legacy_commune_has_a_successor():
    units = admin_units()
    assert set(units.legacy_to_current) == set(units.legacy)
    assert set(units.legacy_to_current.values()) <= set(units.current)


def test_area_levels_depend_on_the_map():
    units = admin_units()
    assert units.area_level("62", "legacy") == "province"
    assert units.area_level("62", "2025") is None
    assert units.area_level("105", "legacy") == "district"
    assert units.area_level("105", "2025") is None
    assert units.area_level("51", "2025") == "province"
