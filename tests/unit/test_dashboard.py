"""The dashboard's content from an ``indicators`` result: the headline against its target, a chart per
sector, the communes ranked with their links, the package's parts linking to the children missing them."""

from datetime import UTC, date, datetime

from services.reporting.catalogue import catalogue
from services.reporting.dashboard import context, own_area, render_dashboard
from services.reporting.indicators import ratio as share
from shared.exceptions import ValidationFailed
from shared.rules import clock
from tests.support import figures as marked

AREA = {"code": "105", "level": "district", "map": "legacy", "name": "Thị xã Lai Châu",
        "parents": [{"level": "province", "code": "12", "name": "Tỉnh Lai Châu"}]}
HIDDEN = marked.share("x", 8, None)


def figs(covered: dict) -> dict:
    return {"package_coverage_0_8": covered, "package_health_check": share(6, 8),
            "package_supported": {"numerator": 0, "denominator": 0, "value": None},
            "birth_registration_on_time": share(3, 4), "under5_registered": marked.count(12),
            "fully_immunised_by_12m": share(1, 2), "preschool_enrolment_age5": share(0, 0)}


def progress(value, target, gap, status) -> dict:
    return {"indicators": {"package_coverage_0_8": {"value": value, "target": target, "gap": gap,
                                                    "status": status},
                           "fully_immunised_by_12m": {"value": 50.0, "target": 97.0, "gap": -47.0,
                                                      "status": "off_track"}}}


DISTRICT = {"area": AREA, "as_of": "2025-05-31", "period": {"start": "2025-01-01", "end": "2025-05-31"},
            "indicators": figs(share(6, 11)), "progress": progress(54.55, 90.0, -35.5, "off_track"),
            "communes": [{"code": "03386", "name": "Phường Quyết Thắng", "indicators": figs(share(0, 0))},
                         {"code": "03388", "name": "Phường Quyết Tiến", "indicators": figs(share(5, 8))},
                         {"code": "03389", "name": "Phường Đoàn Kết", "indicators": figs(share(1, 1))},
                         {"code": "03387", "name": "Phường Tân Phong", "indicators": figs(share(1, 2))},
                         {"code": "03403", "name": "Xã Sùng Phài", "indicators": figs(HIDDEN)}]}
COMMUNE = {**DISTRICT, "area": {**AREA, "code": "03388", "level": "commune", "name": "Phường Quyết Tiến"},
           "indicators": figs(share(5, 8)), "progress": progress(62.5, 90.0, -27.5, "off_track")}
COMMUNE.pop("communes")


def test_the_headline_shows_its_value_counts_target_gap_and_status():
    assert context(COMMUNE, catalogue())["headline"] == {
        "value": "62,5 %", "numerator": "5", "denominator": "8", "target": 90.0, "gap": -27.5,
        "status": "off_track", "status_text": "Chậm tiến độ / off track"}


def test_a_hidden_headline_shows_its_mark():
    hidden = {**COMMUNE, "indicators": figs(HIDDEN)}
    assert context(hidden, catalogue())["headline"]["value"] == "x"


def test_there_is_one_chart_per_sector_with_figures_to_chart_in_the_catalogues_order():
    charts = context(COMMUNE, catalogue())["charts"]
    assert [c["source"] for c in charts] == ["package", "registry", "health", "education"]
    assert [c["vi"] for c in charts] == ["Gói dịch vụ theo độ tuổi", "Hộ tịch, thẻ BHYT", "Y tế", "Giáo dục"]
    package, registry = charts[0]["svg"], charts[1]["svg"]
    assert "Được khám sức khỏe trong" in package and "kỳ (3-8 tuổi)" in package  # on two lines
    assert "75,0 % (6/8)" in package
    assert "Khai sinh đúng hạn" in registry and "Dưới 5 tuổi" not in registry  # a plain count: no bar


def test_the_communes_are_ranked_lowest_first_those_without_a_figure_last_each_linking_down():
    ranked = context(DISTRICT, catalogue(), period="2025-Q2")["ranked"]
    assert [(r["code"], r["shown"], r["not_covered"], r["children"]) for r in ranked] == [
        ("03387", "50,0 %", "1", "2"), ("03388", "62,5 %", "3", "8"), ("03389", "100,0 %", "0", "1"),
        ("03386", "—", "0", "0"), ("03403", "x", "x", "8")]
    assert ranked[0]["href"] == "/dashboard?area=03387&as_of=2025-05-31&period=2025-Q2"


def test_the_ranked_chart_holds_the_communes_with_a_figure_and_the_target_line():
    shown = context(DISTRICT, catalogue())
    assert shown["ranked_title"].startswith("Tỷ lệ trẻ 0-8 tuổi được hưởng đủ gói, 3 xã, phường thấp nhất")
    chart = shown["ranked_chart"]
    assert chart.index("Phường Tân Phong") < chart.index("Phường Quyết Tiến") < chart.index("Phường Đoàn Kết")
    assert "Mục tiêu 90,0 %" in chart and "Xã Sùng Phài" not in chart


def test_a_commune_lists_the_package_parts_linking_to_the_children_missing_each():
    parts = context(COMMUNE, catalogue())["components"]
    assert [(p["name"], p["shown"], p["missing"], p["href"]) for p in parts] == [
        ("health_check", "75,0 % (6/8)", "2",
         "/dashboard/missing?commune=03388&as_of=2025-05-31&component=health_check")]
    assert context(DISTRICT, catalogue())["components"] == []


def test_the_protected_part_is_linked_only_for_a_protection_officer():
    parts = context(COMMUNE, catalogue(), protection=True)["components"]
    assert [p["name"] for p in parts] == ["health_check", "supported"]


def test_the_page_shows_the_headline_big_with_its_target_and_a_figure_per_chart():
    page = render_dashboard(COMMUNE, catalogue())
    assert '<p class=big id=headline-value>62,5 %</p>' in page
    assert "Mục tiêu 90,0 % · chênh lệch / gap -27,5 điểm % / points" in page
    assert page.count('<figure class="chart sector"') == 4
    assert page.count("<figcaption>") == 4 and page.count("<svg ") == 4


def test_the_area_defaults_to_the_tokens_one_area_and_is_asked_for_otherwise():
    assert own_area(("03388",)) == "03388"
    for areas in ((), ("03388", "03389")):
        try:
            own_area(areas)
        except ValidationFailed as error:
            assert list(error.errors) == ["area"]
        else:
            raise AssertionError("no error")


def test_the_default_as_of_is_todays_date_in_vietnam(monkeypatch):
    monkeypatch.setattr(clock, "utc_now", lambda: datetime(2026, 6, 30, 17, 30, tzinfo=UTC))
    assert clock.vietnam_today() == date(2026, 7, 1)  # 00:30 on 1 July in Hà Nội


def test_a_met_count_hidden_as_under_five_shows_the_range_of_children_missing_not_the_mark():
    hidden = marked.share("<5", 20, None)
    commune = {**COMMUNE, "indicators": {**figs(share(5, 8)), "package_health_check": hidden}}
    parts = context(commune, catalogue())["components"]
    assert [(p["name"], p["missing"]) for p in parts] == [("health_check", "16–19")]


def test_the_protected_part_is_charted_only_for_a_protection_officer():
    commune = {**COMMUNE, "indicators": {**figs(share(5, 8)), "package_supported": share(1, 2)}}
    package = [c for c in context(commune, catalogue())["charts"] if c["source"] == "package"][0]["svg"]
    shown = [c for c in context(commune, catalogue(), protection=True)["charts"]
             if c["source"] == "package"][0]["svg"]
    assert ("50,0 % (1/2)" in package, "50,0 % (1/2)" in shown) == (False, True)
