"""The targets of the seed plans and the national decisions, read per area and year (BRIEF section 2,
shared/rules/data/targets.yaml)."""

import pytest

from shared.rules import targets
from shared.rules.admin_units import CURRENT, LEGACY, admin_units

KEYS = ("children_access", "staff_parents_trained", "referral_network")
PLAN_PROVINCE = {"hai_phong": "31", "kon_tum": "62", "tuyen_quang": "08", "lang_son": "20",
                 "lai_chau": "12"}
KON_TUM_COMMUNE_2025 = "23284"  # Phường Đăk Cấm, Quảng Ngãi (51) since 1 Jul 2025, was Kon Tum's
HA_GIANG_COMMUNE_2025 = "00691"  # Phường Hà Giang 2, Tuyên Quang (08) since 1 Jul 2025, was Hà Giang's
TUYEN_QUANG_COMMUNE_2025 = "02212"  # Phường Nông Tiến, Tuyên Quang's before and after
QUANG_NGAI_COMMUNE_2025 = "21025"  # Phường Cẩm Thành, Quảng Ngãi's before and after


def plan(plan_id: str) -> targets.Plan:
    return next(p for p in targets.plans() if p.id == plan_id)


def values(plan_id: str, year: int) -> tuple:
    return tuple(targets.target(key, year, plan(plan_id)).value for key in KEYS)


@pytest.mark.parametrize(("plan_id", "y2020", "y2025"), [
    ("hai_phong", (70, 70, None), (90, 90, None)),
    ("kon_tum", (70, 70, None), (90, 90, 30)),
    ("tuyen_quang", (60, 70, 40), (90, 90, 80)),
    ("lang_son", (70, 70, 50), (90, 90, None)),  # no numbers in its plan: Decision 1437's
    ("lai_chau", (60, 60, 40), (80, 80, 75)),
])
def test_each_plan_reads_its_seed_milestones_in_2020_and_2025(plan_id, y2020, y2025):
    assert (values(plan_id, 2020), values(plan_id, 2025)) == (y2020, y2025)


@pytest.mark.parametrize(("plan_id", "y2023"), [
    ("hai_phong", (82, 82, None)),
    ("kon_tum", (82, 82, 30)),  # no 2020 network target: the 2025 one is worked towards
    ("tuyen_quang", (78, 82, 64)),
    ("lang_son", (82, 82, None)),  # the national 2025 network target is not known
    ("lai_chau", (72, 72, 61)),
])
def test_a_year_between_the_milestones_reads_the_straight_path(plan_id, y2023):
    assert values(plan_id, 2023) == y2023


def test_a_linear_reading_says_so_and_names_the_plan():
    found = targets.target("children_access", 2023, plan("tuyen_quang"))
    assert found == targets.Target(
        "children_access", 2023, 78.0, plan("tuyen_quang").name, plan("tuyen_quang").name, "linear")


def test_after_its_last_milestone_a_plan_holds_it():
    assert values("lai_chau", 2026) == (80, 80, 75)
    assert targets.target("children_access", 2026, plan("lai_chau")).reading == "after_last_milestone"


def test_a_null_target_is_no_target_not_zero():
    found = targets.target("referral_network", 2025, plan("hai_phong"))
    assert (found.value, found.reading, found.plan) == (None, "milestone", plan("hai_phong").name)
    assert targets.target("referral_network", 2020, plan("kon_tum")).value is None


def test_without_a_plan_the_national_path_runs_on_to_decision_23s_2030_target():
    national = targets.national_plan()
    assert [targets.target("children_access", year, national).value
            for year in (2019, 2020, 2023, 2025, 2026, 2030, 2031)] == [70, 70, 82, 90, 91, 95, 95]
    assert targets.target("staff_parents_trained", 2027, national).value == 90  # 1437's last holds


def test_a_key_the_plan_does_not_mention_reads_decision_23():
    lai_chau = plan("lai_chau")
    read = {year: targets.target("under1_fully_immunized_8_vaccines", year, lai_chau)
            for year in (2023, 2025, 2027)}
    assert {year: (t.value, t.reading) for year, t in read.items()} == {
        2023: (97, "before_first_milestone"), 2025: (97, "milestone"), 2027: (97.4, "linear")}
    assert read[2025].plan == lai_chau.name
    assert read[2025].source.startswith("Quyết định 23/QĐ-TTg")
    assert targets.target("five_year_olds_in_preschool", 2025, lai_chau).value == 99.1


def test_a_share_that_must_stay_under_a_maximum_says_so():
    assert targets.target("abused_children_share_max", 2025, plan("kon_tum")).direction == "at_most"
    assert targets.target("children_access", 2025, plan("kon_tum")).direction == "at_least"


def test_an_unknown_target_key_is_refused():
    with pytest.raises(targets.UnknownTarget):
        targets.target("children_happy", 2025, plan("kon_tum"))


@pytest.mark.parametrize(("code", "map_version", "plan_id"), [
    ("62", LEGACY, "kon_tum"),
    ("51", LEGACY, "national"),
    ("51", CURRENT, "national"),  # Quảng Ngãi kept the code; Kon Tum's plan is not its own
    ("08", LEGACY, "tuyen_quang"),
    ("02", LEGACY, "national"),
    ("08", CURRENT, "tuyen_quang"),  # Tuyên Quang kept the code when it absorbed Hà Giang
    ("31", LEGACY, "hai_phong"),
    ("30", LEGACY, "national"),
    ("31", CURRENT, "hai_phong"),
    ("20", LEGACY, "lang_son"),
    ("20", CURRENT, "lang_son"),
    ("12", LEGACY, "lai_chau"),
    ("12", CURRENT, "lai_chau"),
    ("01", CURRENT, "national"),
])
def test_a_province_reads_the_plan_of_the_province_that_kept_its_code(code, map_version, plan_id):
    assert targets.plan_for_area(code, map_version, 2025, admin_units()).id == plan_id


def test_a_plan_is_not_in_force_before_its_first_year():
    assert targets.plan_in_force("12", LEGACY, 2018).id == "national"
    assert targets.plan_in_force("12", LEGACY, 2019).id == "lai_chau"


@pytest.mark.parametrize(("code", "map_version", "plan_id"), [
    (KON_TUM_COMMUNE_2025, CURRENT, "kon_tum"),
    (QUANG_NGAI_COMMUNE_2025, CURRENT, "national"),
    (HA_GIANG_COMMUNE_2025, CURRENT, "national"),
    (TUYEN_QUANG_COMMUNE_2025, CURRENT, "tuyen_quang"),
    ("11948", CURRENT, "hai_phong"),  # Bạch Long Vĩ: an island district with no legacy commune
    ("23281", LEGACY, "kon_tum"),  # Phường Quang Trung, Kon Tum city
    ("608", LEGACY, "kon_tum"),  # Kon Tum city, a legacy district
])
def test_a_commune_reads_the_plan_of_the_province_it_lay_in(code, map_version, plan_id):
    assert targets.plan_for_area(code, map_version, 2025, admin_units()).id == plan_id


def test_a_kon_tum_commune_in_quang_ngai_reads_kon_tums_network_target_the_province_does_not():
    units = admin_units()
    commune = targets.target_for_area("referral_network", KON_TUM_COMMUNE_2025, CURRENT, 2025, units)
    province = targets.target_for_area("referral_network", "51", CURRENT, 2025, units)
    assert (commune.value, commune.plan) == (30, plan("kon_tum").name)
    assert (province.value, province.plan) == (None, targets.national_plan().name)


def test_the_next_milestone_reading_is_a_setting(monkeypatch):
    monkeypatch.setitem(targets.rules()["reading"], "between_milestones", "next_milestone")
    found = targets.target("children_access", 2023, plan("tuyen_quang"))
    assert (found.value, found.reading) == (90, "next_milestone")


def test_reading_the_national_targets_after_a_plan_ends_is_a_setting(monkeypatch):
    monkeypatch.setitem(targets.rules()["reading"], "after_last_milestone", "national")
    assert targets.target("children_access", 2026, plan("lai_chau")).value == 91
    assert targets.target("children_access", 2025, plan("lai_chau")).value == 80


def test_every_plan_lies_in_the_province_its_communes_went_to_on_the_2025_map():
    units = admin_units()
    for each in targets.plans():
        communes = [c.code for c in units.legacy.values() if c.province_code == each.legacy_province]
        went_to = {units.current[units.legacy_to_current[code]].province_code for code in communes}
        assert (each.legacy_province, went_to) == (PLAN_PROVINCE[each.id], {each.province_2025})
    kept = {p["id"]: p["kept_code"] for p in targets.rules()["plans"]}
    assert kept == {"hai_phong": True, "kon_tum": False, "tuyen_quang": True, "lang_son": True,
                    "lai_chau": True}


def test_a_network_target_names_the_unit_it_counts():
    units = {plan_id: targets.target("referral_network", 2025, plan(plan_id)).unit
             for plan_id in PLAN_PROVINCE}
    assert units == {"hai_phong": None, "kon_tum": "district", "tuyen_quang": "district",
                     "lang_son": "province", "lai_chau": "district"}  # Lạng Sơn reads Decision 1437
    assert targets.target("children_access", 2025, plan("lai_chau")).unit is None
