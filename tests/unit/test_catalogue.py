"""The indicator catalogue: every figure declared once, the report and the page listing exactly what it
lists, a province's own indicator added by one entry, and every report saying how fresh each source is."""

from datetime import UTC, date, datetime

import pytest

from services.reporting import use_cases
from services.reporting.catalogue import CatalogueError, catalogue
from services.reporting.indicators import compute_indicators, conditions, resolve_area, suppressed_conditions
from services.reporting.report_page import render_report
from services.reporting.repository import ReportingRepository
from services.reporting.sources.protection import indicators as protection_indicators
from shared.plumbing.metrics import service_metrics
from shared.rules.admin_units import admin_units
from tests.support.factories import make_birth_envelope

LEGACY_DAY, CURRENT_DAY = date(2024, 12, 31), date(2026, 6, 30)
EXTRA = """
section: {vi: "Chỉ số riêng của tỉnh", en: "The province's own figures"}
source: province
indicators:
  - id: under6_registered
    vi: "Trẻ dưới 6 tuổi đã đăng ký khai sinh"
    en: "Registered children under 6 (count)"
    numerator: under6
    period: as_of
"""


def report(session, code="12", day=CURRENT_DAY, declared=None, by_commune=False):
    units = admin_units()
    return compute_indicators(ReportingRepository(session), resolve_area(code, day, units), day,
                              date(day.year, 1, 1), day, units, by_commune, declared=declared)


def a_child_born(session, born: date, commune="03388"):
    envelope = make_birth_envelope(date_of_birth=born, commune_code=commune)
    assert use_cases.apply_event(session, envelope, service_metrics("reporting"))
    return envelope


@pytest.mark.parametrize("day", [LEGACY_DAY, CURRENT_DAY])
def test_every_count_a_catalogue_entry_names_is_a_count_its_source_makes(day):
    plain = set(conditions(day, date(day.year, 1, 1), day))
    hidden = {*suppressed_conditions(day, date(day.year, 1, 1), day),
              *protection_indicators.case_conditions(day, date(day.year, 1, 1), day)}
    for indicator in catalogue().indicators(day):
        if indicator.kind == "computed":
            continue
        names = {indicator.numerator, indicator.denominator} - {None}
        assert names <= (hidden if indicator.suppressed else plain), indicator.id


def test_every_figure_has_its_own_vietnamese_and_english_label_and_a_unique_id():
    listed = catalogue().indicators(CURRENT_DAY)
    assert len({i.id for i in listed}) == len(listed) == 136  # issue 18: children not registered, and late
    unlabelled = [i.id for i in listed if not i.vi or not i.en or i.vi == i.id or "{" in i.vi + i.en]
    assert unlabelled == []


def test_vaccines_are_named_as_the_vaccination_card_writes_them():
    listed = catalogue().by_id(CURRENT_DAY)
    assert listed["coverage_dtp_hepb_hib_3"].vi == (
        "Tiêm chủng DPT-VGB-Hib (5 trong 1) mũi 3 (trẻ tròn 12 tháng trong kỳ)")
    assert listed["coverage_je_3"].en == (
        "Japanese encephalitis dose 3 coverage (children reaching 36 months in the period)")


def test_the_report_lists_exactly_what_the_catalogue_lists_in_its_order(session):
    for day in (LEGACY_DAY, CURRENT_DAY):
        found = report(session, day=day)
        assert list(found["indicators"]) == [i.id for i in catalogue().indicators(day)]


def test_a_province_adds_an_indicator_with_one_catalogue_entry(session, tmp_path):
    (tmp_path / "province.yaml").write_text(EXTRA, "utf-8")
    declared = catalogue(str(tmp_path / "province.yaml"))
    a_child_born(session, date(2021, 1, 10))  # 5 on 30/06/2026: under 6, not under 5
    a_child_born(session, date(2024, 3, 1))
    found = report(session, "03388", declared=declared)
    assert found["indicators"]["under6_registered"] == {"numerator": 2, "denominator": None, "value": 2}
    assert found["indicators"]["under5_registered"]["numerator"] == 1
    assert list(found["indicators"])[-1] == "under6_registered"
    page = render_report(found, datetime(2026, 7, 1, tzinfo=UTC), declared)
    assert ("<h2>Chỉ số riêng của tỉnh / The province&#39;s own figures</h2>" in page)
    assert ("<tr><td>Trẻ dưới 6 tuổi đã đăng ký khai sinh<br><small>Registered children under 6 (count)"
            '</small></td><td class="n nd">2</td><td class="n nd">—</td><td class=n>2</td></tr>') in page


def test_a_catalogue_entry_with_an_unknown_field_is_refused_naming_its_file_and_entry(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(EXTRA.replace("period: as_of", "perod: as_of"), "utf-8")
    with pytest.raises(CatalogueError, match=r"bad.yaml, entry 1 \(under6_registered\): unknown fields "
                                             r"\['perod'\]"):
        catalogue(str(path))


def test_the_page_heads_each_source_with_its_section(session):
    page = render_report(report(session, "03388"), datetime(2026, 7, 1, tzinfo=UTC))
    headings = [line for line in page.splitlines() if line.startswith("<h2>")]
    assert headings == ["<h2>Tiến độ so với mục tiêu / progress against the plan's targets (2026)</h2>",
                        "<h2>Gói dịch vụ theo độ tuổi / Age-appropriate package</h2>",
                        "<h2>Hộ tịch, thẻ BHYT / Civil registration and health insurance</h2>",
                        "<h2>Y tế / Health</h2>", "<h2>Giáo dục / Education</h2>",
                        "<h2>Bảo vệ trẻ em, trợ giúp xã hội / Child protection and social assistance</h2>",
                        "<h2>Kết nối, chuyển tuyến giữa các ngành / Referrals between sectors</h2>",
                        "<h2>Chương trình (số liệu nhập tổng hợp) / Programme (entered totals)</h2>"]


def test_every_report_says_up_to_when_each_source_is_applied_and_when_its_log_was_checked(session):
    envelope = a_child_born(session, date(2024, 3, 1))
    use_cases.catch_up(session, "registry", lambda position: [], service_metrics("reporting"), print)
    use_cases.note_unreachable(session, "health", "service health is not running")
    found = report(session, "03388")
    fresh = found["freshness"]["sources"]
    registry = fresh["registry"]
    assert registry["applied_up_to"] == datetime.fromisoformat(envelope["recorded_at"]).isoformat()
    assert (registry["missing_at_check"], registry["unreachable"]) == (0, None)
    assert registry["log_checked_at"] is not None and registry["seconds_since_check"] >= 0
    assert fresh["health"] == {"applied_up_to": None, "log_checked_at": None, "missing_at_check": None,
                               "seconds_since_check": None, "unreachable": "service health is not running"}
    assert fresh["education"] == dict.fromkeys(fresh["health"])
    figures = found["freshness"]["figures"]
    assert list(figures) == list(found["indicators"])
    assert (figures["under5_registered"], figures["coverage_bcg_1"], figures["staff_trained"]) == (
        ["registry"], ["registry", "health"], ["programme"])
