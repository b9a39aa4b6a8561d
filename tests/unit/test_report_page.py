from services.reporting.report_page import render_report

REPORT = {
    "area": {"code": "03388", "level": "commune", "map": "2025", "name": "Phường Đoàn Kết"},
    "as_of": "2026-06-30", "period": {"start": "2026-01-01", "end": "2026-06-30"},
    "indicators": {
        "birth_registration_on_time": {"numerator": 3, "denominator": 4, "value": 0.75},
        "under5_registered": {"numerator": 6, "denominator": None, "value": 6},
        "under6_insurance_card_coverage": {"numerator": 0, "denominator": 0, "value": None},
    },
}


def test_the_page_shows_each_indicator_with_its_counts_and_percentage():
    page = render_report(REPORT)
    assert "<title>Phường Đoàn Kết (03388)</title>" in page
    assert "<td class=n>3</td><td class=n>4</td><td class=n>75.0 %</td>" in page
    assert "<td class=n>6</td><td class=n>—</td><td class=n>6</td>" in page
    assert "<td class=n>0</td><td class=n>0</td><td class=n>—</td>" in page


def test_names_from_data_are_escaped():
    hostile = dict(REPORT, area=dict(REPORT["area"], name="<script>x</script>"))
    page = render_report(hostile)
    assert "<script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
