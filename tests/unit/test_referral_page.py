"""The referral figures on the report page: Vietnamese labels from the data, sectors and reasons by
name, a median in days, the network's unit, and no rows for pairs or reasons with nothing sent."""

from datetime import UTC, datetime

from services.reporting.province_cells import suppressed, tree
from services.reporting.report_page import render_report
from services.reporting.sources.referrals import indicators as ri
from shared.rules.admin_units import LEGACY, admin_units
from tests.support.figures import count

GENERATED = datetime(2025, 7, 2, 1, 0, tzinfo=UTC)


REFERRALS = {
    "referrals_sent": count(13),
    "referrals_sent_health_to_protection": count("<5"),
    "referrals_sent_health_to_education": count(2),
    "referrals_sent_education_to_registry": count(0),
    "referrals_sent_reason_severe_wasting": count(1),
    "referrals_completed_on_time": {"numerator": 7, "denominator": 14, "value": 0.5},
    "referrals_median_days_to_completion": {"numerator": None, "denominator": 9, "value": 12.5,
                                            "unit": "days"},
    "referrals_overdue": count(3),
    "referral_network_coverage": {"numerator": 2, "denominator": 8, "value": 0.25,
                                  "network_unit": "legacy_district"},
}
REPORT = {"area": {"code": "12", "level": "province", "map": "legacy", "name": "Tỉnh Lai Châu",
                   "parents": []},
          "as_of": "2025-06-30", "period": {"start": "2025-01-01", "end": "2025-06-30"},
          "indicators": REFERRALS}


def test_the_referral_figures_have_vietnamese_labels_with_sectors_and_reasons_by_name():
    page = render_report(REPORT, GENERATED)
    for label in ("Trẻ được chuyển tuyến trong kỳ", "Tỷ lệ hoàn thành đúng hạn",
                  "Tỷ lệ đơn vị có mạng lưới kết nối hoạt động (huyện, bản đồ cũ)",
                  "Chuyển tuyến Y tế → Bảo vệ trẻ em", "Chuyển tuyến vì: Suy dinh dưỡng gầy còm nặng",
                  "Số ngày trung vị từ chuyển tuyến đến hoàn thành"):
        assert label in page
    assert ('<td class="n nd">2</td><td class="n nd">8</td>'
            "<td class=n>25,0 %<small class=sub>2/8</small></td>") in page
    assert '<td class="n nd">&lt;5</td><td class="n nd">—</td><td class=n>&lt;5</td>' in page


def test_a_median_shows_in_days_beside_how_many_referrals_it_is_of():
    page = render_report(REPORT, GENERATED)
    assert '<td class="n nd">—</td><td class="n nd">9</td><td class=n>12,5 ngày / days</td>' in page


def test_pairs_and_reasons_with_nothing_sent_have_no_row():
    page = render_report(REPORT, GENERATED)
    assert "Giáo dục → Tư pháp - hộ tịch" not in page
    assert "Chuyển tuyến Y tế → Giáo dục" in page


def test_every_referral_figure_the_indicators_give_has_a_label_of_its_own():
    table = suppressed({}, ["ref_sent"], "12", tree("12", LEGACY, admin_units()), [], 5)
    keys = ri.ReferralFigures(table, LEGACY, ("province", "12"), {}).figures(("province", "12"))
    page = render_report(dict(REPORT, indicators={k: count(1) for k in keys}), GENERATED)
    assert [key for key in keys if f"<td>{key}<br>" in page] == []
    assert len(keys) == 4 * 4 + 10 + 6
