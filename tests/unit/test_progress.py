"""A report's progress against its plan's targets, and the communes that pull a figure down
(services/reporting/progress.py). Values, targets and gaps are percent; a report's value is a share."""

from datetime import date

from services.reporting.catalogue import catalogue
from services.reporting.progress import progress
from shared.rules import targets
from shared.rules.admin_units import CURRENT, LEGACY, admin_units
from tests.support.figures import share

LAI_CHAU = "Kế hoạch 269/KH-UBND tỉnh Lai Châu (05/03/2019) — Lai Châu 269/KH-UBND"
# the catalogue's target fields, and one figure the catalogue does not declare (absent: no data)
TARGET_KEYS = {**{i.id: i.target for i in catalogue().indicators(date(2023, 6, 30)) if i.target},
               "package_coverage_0_8": "children_access"}


def figure(numerator, denominator) -> dict:
    value = round(numerator / denominator, 4) if isinstance(denominator, int) and denominator else None
    return {"numerator": numerator, "denominator": denominator, "value": value}


def report(area: str, level: str, map_version: str, as_of: str, indicators: dict, communes=None) -> dict:
    found = {"area": {"code": area, "level": level, "map": map_version, "name": None, "parents": []},
             "as_of": as_of, "indicators": indicators}
    if communes is not None:
        found["communes"] = [{"code": code, "name": f"Xã {code}", "indicators": figures}
                             for code, figures in communes.items()]
    return found


def lai_chau_2023(indicators: dict, communes=None) -> dict:
    return report("12", "province", LEGACY, "2023-06-30", indicators, communes)


def test_a_figure_at_or_over_its_target_is_on_track():
    block = progress(lai_chau_2023({"fully_immunised_by_12m": figure(98, 100)}),
                     {"fully_immunised_by_12m": "under1_fully_immunized_8_vaccines"}, admin_units())
    assert block == {"unit": "percent", "year": 2023, "plan": LAI_CHAU, "indicators": {
        "fully_immunised_by_12m": {
            "target_key": "under1_fully_immunized_8_vaccines", "value": 98.0, "target": 97.0, "gap": 1.0,
            "status": "on_track", "plan": LAI_CHAU, "year": 2023, "reading": "before_first_milestone",
            "source": "Quyết định 23/QĐ-TTg (07/01/2021), Chương trình hành động quốc gia vì trẻ em "
                      "2021-2030 — Decision 23 (national)"}}}


def test_a_figure_under_its_target_is_off_track_by_the_gap_in_points():
    block = progress(lai_chau_2023({"package_coverage_0_8": figure(2, 3)}),
                     {"package_coverage_0_8": "children_access"}, admin_units())
    entry = block["indicators"]["package_coverage_0_8"]
    assert (entry["value"], entry["target"], entry["gap"], entry["status"], entry["reading"]) == (
        66.67, 72.0, -5.3, "off_track", "linear")


def test_a_figure_exactly_on_its_target_is_on_track():
    block = progress(lai_chau_2023({"package_coverage_0_8": figure(18, 25)}),
                     {"package_coverage_0_8": "children_access"}, admin_units())
    assert block["indicators"]["package_coverage_0_8"]["status"] == "on_track"  # 72 of 72


def test_a_plan_without_a_numeric_target_gives_no_target_not_zero():
    hai_phong = report("31", "province", LEGACY, "2024-12-31",
                       {"referral_network_coverage": figure(2, 8)})
    entry = progress(hai_phong, {"referral_network_coverage": "referral_network"},
                     admin_units())["indicators"]["referral_network_coverage"]
    assert (entry["value"], entry["target"], entry["gap"], entry["status"]) == (25.0, None, None,
                                                                               "no_target")


def test_an_absent_empty_or_suppressed_figure_gives_no_data():
    block = progress(lai_chau_2023({
        "fully_immunised_by_12m": figure(0, 0),
        "special_circumstances_supported": share("<5", "<5", None),
    }), TARGET_KEYS, admin_units())
    status = {name: (entry["value"], entry["gap"], entry["status"])
              for name, entry in block["indicators"].items()}
    assert status == {
        "package_coverage_0_8": (None, None, "no_data"),  # not in the report (yet)
        "fully_immunised_by_12m": (None, None, "no_data"),
        "preschool_enrolment_age5": (None, None, "no_data"),
        "special_circumstances_supported": (None, None, "no_data"),
        "referral_network_coverage": (None, None, "no_data"),
        "staff_parents_trained": (None, None, "no_data"),
        "staff_trained": (None, None, "no_data"),
        "parents_trained": (None, None, "no_data"),
    }


def test_a_share_over_its_maximum_is_off_track():
    block = progress(lai_chau_2023({"abused": figure(6, 100)}), {"abused": "abused_children_share_max"},
                     admin_units())
    entry = block["indicators"]["abused"]
    assert (entry["target"], entry["gap"], entry["status"]) == (4.5, 1.5, "off_track")


def test_the_communes_behind_are_ranked_by_the_children_missing_to_reach_the_target():
    communes = {"03388": {"package_coverage_0_8": figure(70, 100)},  # 72 of 100 needed: 2 missing
                "03391": {"package_coverage_0_8": figure(50, 100)},  # 22 missing
                "03394": {"package_coverage_0_8": figure(80, 100)},  # on track
                "03390": {"package_coverage_0_8": figure(10, 20)},  # 14.4 needed: 5 missing
                "03400": {"package_coverage_0_8": {"numerator": "<5", "denominator": 9, "value": None}},
                "03389": {"package_coverage_0_8": figure(0, 0)}}
    block = progress(lai_chau_2023({"package_coverage_0_8": figure(210, 320)}, communes),
                     {"package_coverage_0_8": "children_access"}, admin_units(), top=5)
    behind = block["indicators"]["package_coverage_0_8"]["behind"]
    assert [(c["code"], c["value"], c["target"], c["gap"], c["missing"]) for c in behind] == [
        ("03391", 50.0, 72.0, -22.0, 22), ("03390", 50.0, 72.0, -22.0, 5), ("03388", 70.0, 72.0, -2.0, 2)]
    assert behind[0] == {"code": "03391", "name": "Xã 03391", "value": 50.0, "target": 72.0,
                         "gap": -22.0, "missing": 22, "plan": LAI_CHAU}


def test_the_number_of_communes_behind_is_configurable():
    communes = {code: {"package_coverage_0_8": figure(n, 100)}
                for code, n in (("03388", 70), ("03391", 50), ("03390", 60))}
    block = progress(lai_chau_2023({}, communes), {"package_coverage_0_8": "children_access"},
                     admin_units(), top=2)
    assert [c["code"] for c in block["indicators"]["package_coverage_0_8"]["behind"]] == ["03391", "03390"]


def test_in_a_merged_province_each_commune_is_measured_against_its_former_provinces_plan():
    communes = {"23284": {"referral_network_coverage": figure(0, 1)},  # was Kon Tum's: 30% by 2025
                "21025": {"referral_network_coverage": figure(0, 1)}}  # Quảng Ngãi's: no target
    quang_ngai = report("51", "province", CURRENT, "2025-09-30", {"referral_network_coverage": figure(0, 2)},
                        communes)
    entry = progress(quang_ngai, {"referral_network_coverage": "referral_network"},
                     admin_units())["indicators"]["referral_network_coverage"]
    kon_tum = next(p for p in targets.plans() if p.id == "kon_tum")
    assert (entry["status"], entry["plan"]) == ("no_target", targets.national_plan().name)
    assert entry["behind"] == [{"code": "23284", "name": "Xã 23284", "value": 0.0, "target": 30.0,
                                "gap": -30.0, "missing": 1, "plan": kon_tum.name}]


def test_a_commune_report_lists_no_communes_behind():
    commune = report("23284", "commune", CURRENT, "2025-09-30", {"package_coverage_0_8": figure(1, 2)})
    entry = progress(commune, {"package_coverage_0_8": "children_access"},
                     admin_units())["indicators"]["package_coverage_0_8"]
    assert "behind" not in entry
    assert (entry["value"], entry["target"], entry["status"]) == (50.0, 90.0, "off_track")  # Kon Tum's


def test_the_network_target_says_it_counts_districts():
    block = progress(lai_chau_2023({"referral_network_coverage": figure(2, 8)}),
                     {"referral_network_coverage": "referral_network"}, admin_units())
    entry = block["indicators"]["referral_network_coverage"]
    assert (entry["value"], entry["target"], entry["gap"], entry["target_unit"]) == (25.0, 61.0, -36.0,
                                                                                   "district")


def test_children_missing_are_counted_exactly_against_a_target_with_decimals():
    communes = {"03388": {"preschool_enrolment_age5": figure(990, 1000)},  # 991 needed: 1 missing
                "03391": {"preschool_enrolment_age5": figure(98, 100)},  # 99.1 needed: 2 missing
                "03394": {"preschool_enrolment_age5": figure(991, 1000)}}  # on the target
    lai_chau_2025 = report("12", "province", LEGACY, "2025-06-30", {}, communes)
    block = progress(lai_chau_2025, {"preschool_enrolment_age5": "five_year_olds_in_preschool"},
                     admin_units())
    assert [(c["code"], c["target"], c["gap"], c["missing"])
            for c in block["indicators"]["preschool_enrolment_age5"]["behind"]] == [
        ("03391", 99.1, -1.1, 2), ("03388", 99.1, -0.1, 1)]


def test_the_communes_over_a_maximum_are_behind_by_the_children_over_it():
    communes = {"03388": {"abused": figure(7, 100)}, "03391": {"abused": figure(4, 100)}}
    block = progress(lai_chau_2023({}, communes), {"abused": "abused_children_share_max"}, admin_units())
    assert [(c["code"], c["missing"]) for c in block["indicators"]["abused"]["behind"]] == [("03388", 3)]
