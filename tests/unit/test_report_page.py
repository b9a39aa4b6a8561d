"""The HTML report an officer opens: Vietnamese formats, where the area lies, communes, errors."""

from datetime import UTC, date, datetime

from services.reporting.catalogue import catalogue
from services.reporting.report_page import render_error, render_report, vn_number, vn_percent
from tests.support.figures import share

GENERATED = datetime(2026, 11, 24, 3, 5, tzinfo=UTC)
REPORT = {
    "area": {"code": "03388", "level": "commune", "map": "2025", "name": "Phường Đoàn Kết",
             "parents": [{"level": "province", "code": "12", "name": "Tỉnh Lai Châu"}]},
    "as_of": "2026-06-30", "period": {"start": "2026-01-01", "end": "2026-06-30"},
    "indicators": {
        "birth_registration_on_time": {"numerator": 3, "denominator": 4, "value": 0.75},
        "under5_registered": {"numerator": 1234, "denominator": None, "value": 1234},
        "under6_insurance_card_coverage": {"numerator": 0, "denominator": 0, "value": None},
    },
}
PROVINCE = dict(REPORT, area={"code": "12", "level": "province", "map": "2025",
                              "name": "Tỉnh Lai Châu", "parents": []},
                communes=[{"code": "03388", "name": "Phường Đoàn Kết",
                           "indicators": REPORT["indicators"]}])


def test_numbers_and_percentages_are_written_the_vietnamese_way():
    assert (vn_number(1234567), vn_number(12), vn_percent(0.6251), vn_percent(None)) == (
        "1.234.567", "12", "62,5 %", "—")


def test_the_page_shows_each_indicator_with_its_counts_and_percentage():
    page = render_report(REPORT, GENERATED)
    assert "<title>Phường Đoàn Kết (03388)</title>" in page
    assert ('<td class="n nd">3</td><td class="n nd">4</td>'
            "<td class=n>75,0 %<small class=sub>3/4</small></td>") in page
    assert '<td class="n nd">1.234</td><td class="n nd">—</td><td class=n>1.234</td>' in page
    assert ('<td class="n nd">0</td><td class="n nd">0</td>'
            "<td class=n>—<small class=sub>0/0</small></td>") in page


def test_a_commune_page_says_its_province_dates_in_vietnamese_and_when_it_was_made():
    page = render_report(REPORT, GENERATED)
    assert "thuộc / in Tỉnh Lai Châu (12)" in page
    assert "as of: <b>30/06/2026</b>; kỳ / period: 01/01/2026 – 30/06/2026" in page
    assert "generated at: 24/11/2026 10:05 (giờ Việt Nam, UTC+7)" in page


def test_the_page_fits_a_phone_and_prints_on_a4():
    page = render_report(REPORT, GENERATED)
    assert '<meta name=viewport content="width=device-width, initial-scale=1">' in page
    assert "@page{size:A4;margin:15mm}" in page


def test_a_province_page_has_one_row_per_commune():
    page = render_report(PROVINCE, GENERATED)
    assert "by commune (1)" in page
    assert ("<tr><td class=place>Phường Đoàn Kết <small>(03388)</small></td><td class=n>3</td>"
            "<td class=n>4</td><td class=n>75,0 %</td>") in page


def test_a_province_page_cuts_the_commune_figures_into_tables_of_six_that_print_landscape():
    shorts = [i.id for i in catalogue().indicators(date(2026, 6, 30)) if i.short][:13]
    figures = dict.fromkeys(shorts, {"numerator": 3, "denominator": 4, "value": 0.75})
    page = render_report(dict(PROVINCE, communes=[dict(PROVINCE["communes"][0], indicators=figures)]),
                         GENERATED, by=["commune"])
    assert page.count("<table class=communes>") == 3
    assert page.count('<th rowspan=2 class=place>Xã, phường / commune</th>') == 3
    assert [page.count(f"Bảng / table {n}/3") for n in (1, 2, 3)] == [1, 1, 1]
    assert page.count("<th>tử / num.</th>") == 13
    assert "@page{size:A4 landscape;margin:10mm}" in page


def test_by_commune_on_a_commune_page_says_that_no_commune_lies_under_it():
    page = render_report(REPORT, GENERATED, by=["commune"])
    assert ("<p class=note>Phường Đoàn Kết là một xã, phường: không có xã, phường nào trực thuộc, nên không "
            "có bảng theo xã, phường.") in page
    assert "Phường Đoàn Kết là một xã, phường" not in render_report(REPORT, GENERATED)
    assert "A4 landscape" not in page


def test_names_from_data_are_escaped():
    hostile = dict(REPORT, area=dict(REPORT["area"], name="<script>x</script>"))
    page = render_report(hostile, GENERATED)
    assert "<script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_the_error_page_names_each_field_at_fault():
    page = render_error({"as_of": ["Not a valid date."], "area_code": ["'99' is no <province>."]})
    assert "<li><b>area_code</b>: &#39;99&#39; is no &lt;province&gt;.</li>" in page
    assert "<li><b>as_of</b>: Not a valid date.</li>" in page


def test_the_education_figures_carry_vietnamese_labels_and_the_school_year():
    report = dict(REPORT, school_year="2025-2026", indicators={
        "preschool_enrolment_age5": {"numerator": 1, "denominator": 2, "value": 0.5}})
    page = render_report(report, GENERATED)
    assert "năm học / school year: 2025-2026 (chỉ số giáo dục / education)" in page
    assert ("<td>Trẻ 5 tuổi đi học mẫu giáo (phổ cập mầm non)<br><small>Five-year-olds (by birth year) in "
            "kindergarten: universal preschool</small></td><td class=\"n nd\">1</td><td class=\"n nd\">2</td>"
            "<td class=n>50,0 %<small class=sub>1/2</small></td>") in page


def test_a_suppressed_disability_figure_is_written_as_a_protection_figure_is():
    hidden = share("<5", "<5", None)
    report = dict(REPORT, indicators={"inclusive_education_3_8": hidden, "special_circumstances_0_8": hidden,
                                      "screening_positive_disability": share("x", 7, None)})
    page = render_report(report, GENERATED)
    suppressed = ('</small></td><td class="n nd">&lt;5</td><td class="n nd">&lt;5</td>'
                  "<td class=n>—<small class=sub>&lt;5/&lt;5</small></td></tr>")
    assert f"Children aged 3-8 with a disability in inclusive education{suppressed}" in page
    assert f"Children 0-8 in special circumstances{suppressed}" in page
    assert ("Disability screening: suspected or confirmed / screened</small></td>"
            '<td class="n nd">x</td><td class="n nd">7</td>'
            "<td class=n>—<small class=sub>x/7</small></td></tr>") in page


def test_the_page_shows_each_target_with_the_value_the_gap_its_status_and_the_communes_behind():
    behind = [{"code": "03388", "name": "Phường Đoàn Kết", "value": 50.0, "target": 97.0, "gap": -47.0,
               "missing": 2, "plan": "Decision 23"}]
    report = dict(PROVINCE, progress={"unit": "percent", "year": 2026, "plan": "Kế hoạch 269/KH-UBND",
                                      "indicators": {"fully_immunised_by_12m": {
                                          "target_key": "under1_fully_immunized_8_vaccines", "value": 75.0,
                                          "target": 97.2, "gap": -22.2, "status": "off_track",
                                          "behind": behind}}})
    page = render_report(report, GENERATED)
    assert "progress against the plan's targets (2026)</h2>" in page
    assert ("<td class=n>75,0 %</td><td class=n>97,2 %</td><td class=n>-22,2 điểm % / points</td>"
            "<td>Chậm tiến độ / off track<br><small>Xã, phường thấp nhất / communes behind: "
            "Phường Đoàn Kết (thiếu / missing 2)</small></td>") in page


def test_a_breakdown_asked_for_is_a_table_with_a_column_per_group():
    figures = {"male": {"under5_registered": {"numerator": 3, "denominator": None, "value": 3}},
               "female": {"under5_registered": {"numerator": None, "denominator": None, "value": None,
                                                "suppressed": {"numerator": "<5", "value": "<5"}}}}
    report = dict(REPORT, breakdowns={"sex": {"groups": ["male", "female"], "figures": figures,
                                              "labels": {"male": "Nam / male", "female": "Nữ / female"}}})
    page = render_report(report, GENERATED)
    assert "<h2>Theo giới tính / by sex</h2>" in page
    assert ("<tr><td>Trẻ dưới 5 tuổi đã đăng ký khai sinh</td><td class=n>3<br><small>3/—</small></td>"
            "<td class=n>&lt;5<br><small>&lt;5/—</small></td></tr>") in page
