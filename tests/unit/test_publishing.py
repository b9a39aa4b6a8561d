"""Publishing a report, without services: which periods may be published, the report id, what changed
between a snapshot and now, and the views and pages of ``/reports/published/<id>``."""

from datetime import date

import pytest

from services.reporting.published_page import checked_view, json_view, render_view
from services.reporting.publishing import changes, closed_query, make_report_id
from shared.exceptions import ValidationFailed
from tests.support.figures import count

TODAY = date(2026, 12, 6)
FIRST_HALF = {"start": "2026-01-01", "end": "2026-06-30"}
PUBLISHED = {"births": {"numerator": 1, "denominator": 2, "value": 0.5},
             "under5_registered": {"numerator": 2, "denominator": None, "value": 2},
             "cases": count("<5"),
             "retired": {"numerator": 1, "denominator": 1, "value": 1.0}}
NOW = {"under5_registered": {"numerator": 3, "denominator": None, "value": 3},
       "births": {"numerator": 1, "denominator": 3, "value": 0.3333},
       "cases": {"numerator": 6, "denominator": None, "value": 6},
       "added": {"numerator": 0, "denominator": 0, "value": None}}
REPORT = {"area": {"code": "03388", "level": "commune", "map": "2025", "name": "Phường Đoàn Kết",
                   "parents": []},
          "as_of": "2026-06-30", "period": FIRST_HALF, "indicators": PUBLISHED}
RESULT = {"report_id": "03388_2026-01-01_2026-06-30_2026-06-30_v2", "version": 2, "area_code": "03388",
          "map": "2025", "period": FIRST_HALF, "as_of": "2026-06-30",
          "published_by": {"user_id": "officer-of-03388", "system": "portal"},
          "published_at": "2026-07-10T02:30:00+00:00", "freshness": None, "published": REPORT,
          "now": dict(REPORT, indicators=NOW), "changes": changes(PUBLISHED, NOW)}


def test_the_as_of_date_defaults_to_the_end_of_a_closed_period():
    query = closed_query("03388", FIRST_HALF, None, TODAY)
    assert (query["period"], query["as_of"]) == (
        {"start": date(2026, 1, 1), "end": date(2026, 6, 30)}, date(2026, 6, 30))


@pytest.mark.parametrize("period, as_of, field", [
    ({"start": "2026-07-01", "end": "2026-12-06"}, None, "period"),  # ends today: not closed
    ({"start": "2026-07-01", "end": "2026-12-31"}, None, "period"),
    ({"start": "2026-07-01", "end": "2026-06-30"}, None, "period.start"),
    ({"start": "2026-01-01"}, None, "period.end"),
    (FIRST_HALF, "2026-06-29", "as_of"),
    (FIRST_HALF, "2026-12-07", "as_of"),
])
def test_an_open_period_or_an_as_of_outside_the_end_and_today_is_refused_naming_the_field(period, as_of,
                                                                                        field):
    with pytest.raises(ValidationFailed) as refused:
        closed_query("03388", period, as_of, TODAY)
    assert list(refused.value.errors) == [field]


def test_a_report_id_says_area_period_as_of_and_version():
    assert make_report_id("105", date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 15), 3) == (
        "105_2026-01-01_2026-12-31_2027-01-15_v3")


def test_changes_list_the_indicators_of_both_in_the_published_order_with_their_differences():
    assert changes(PUBLISHED, NOW) == [
        {"indicator": "births", "published": PUBLISHED["births"], "now": NOW["births"],
         "difference": {"numerator": 0, "denominator": 1, "value": -0.1667}, "changed": True},
        {"indicator": "under5_registered", "published": PUBLISHED["under5_registered"],
         "now": NOW["under5_registered"],
         "difference": {"numerator": 1, "denominator": None, "value": 1}, "changed": True},
        {"indicator": "cases", "published": PUBLISHED["cases"], "now": NOW["cases"],
         "difference": {"numerator": None, "denominator": None, "value": None}, "changed": True}]


def test_an_unchanged_indicator_is_listed_with_zero_differences_and_not_flagged():
    figure = {"numerator": 4, "denominator": 8, "value": 0.5}
    assert changes({"x": figure}, {"x": dict(figure)})[0] == {
        "indicator": "x", "published": figure, "now": figure,
        "difference": {"numerator": 0, "denominator": 0, "value": 0.0}, "changed": False}


@pytest.mark.parametrize("args, field", [({"view": "later"}, "view"), ({"format": "xlsx"}, "format")])
def test_an_unknown_view_or_format_is_refused_naming_it(args, field):
    with pytest.raises(ValidationFailed) as refused:
        checked_view(args)
    assert list(refused.value.errors) == [field]


def test_each_json_view_carries_the_publication_and_one_part():
    about = {key: RESULT[key] for key in ("report_id", "version", "area_code", "map", "period", "as_of",
                                          "published_by", "published_at", "freshness")}
    assert json_view(RESULT, "published") == {**about, "report": REPORT}
    assert json_view(RESULT, "now")["report"]["indicators"] == NOW
    assert json_view(RESULT, "diff") == {**about, "changes": RESULT["changes"]}


def test_the_published_page_is_the_report_page_under_a_note_of_who_published_it_and_when():
    page = render_view(RESULT, "published")
    assert page.index("<b>Báo cáo đã công bố / published report</b> " + RESULT["report_id"]) < page.index(
        "<h1>")
    assert "published by officer-of-03388 (portal) lúc / at 10/07/2026 09:30 (UTC+7)" in page
    assert "Lập lúc / generated at: 10/07/2026 09:30" in page
    assert ('<td class="n nd">1</td><td class="n nd">2</td>'
            "<td class=n>50,0 %<small class=sub>1/2</small></td>") in page


def test_the_diff_page_marks_each_changed_row_with_its_difference():
    page = render_view(RESULT, "diff")
    assert page.count("<tr class=changed>") == 3
    assert ("<td class=n>50,0 %</td><td class=n>33,3 %</td><td class=n>-16,7 điểm % / points</td>"
            in page)
    assert "<td class=n>2</td><td class=n>3</td><td class=n>+1</td>" in page
    assert "<td class=n>&lt;5</td><td class=n>6</td><td class=n>—</td>" in page
