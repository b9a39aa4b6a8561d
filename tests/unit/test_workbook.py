"""The workbook of a report dict, read back with openpyxl: the headline first, a sheet per catalogue
section, the communes and each breakdown asked; the title block, numbers as numbers in their formats,
a hidden count's mark as text with the note explaining it, frozen headers and the A4 print setup."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from services.reporting.catalogue import Section
from services.reporting.workbook import build, sheet_name
from services.reporting.workbook_layout import MARKS, TITLE
from tests.support.figures import count, share

GENERATED = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def progress_entry(value, target, gap, status):
    return {"target_key": "k", "value": value, "target": target, "gap": gap, "status": status}


@pytest.fixture
def report() -> dict:
    """A province with two communes, a hidden headline numerator, a count, a median, a hidden count,
    a zero row the page leaves out, progress against two targets and a breakdown by sex."""
    communes = [
        {"code": "03388", "name": "Phường Đoàn Kết", "indicators": {
            "package_coverage_0_8": share(3, 8, 0.375), "under5_registered": count(6),
            "fully_immunised_by_12m": share(1, 1, 1.0), "protection_cases_opened": count("<5")}},
        {"code": "03391", "name": "Xã Sùng Phài", "indicators": {
            "package_coverage_0_8": share("x", 1, None), "under5_registered": count(1234),
            "fully_immunised_by_12m": share(0, 0, None), "protection_cases_opened": count(0)}}]
    return {
        "area": {"code": "12", "level": "province", "map": "2025", "name": "Tỉnh Lai Châu", "parents": []},
        "as_of": "2026-06-30", "period": {"start": "2026-01-01", "end": "2026-06-30"},
        "school_year": "2025-2026",
        "freshness": {"sources": {"registry": {"applied_up_to": "2026-06-29T07:30:00+00:00",
                                               "unreachable": None},
                                  "health": {"applied_up_to": None, "unreachable": "timed out"}}},
        "indicators": {
            "package_coverage_0_8": share("x", 9, None),
            "package_birth_registered": share(1240, 1241, 0.9992),
            "under5_registered": count(1240),
            "fully_immunised_by_12m": share(1, 1, 1.0),
            "protection_cases_opened": count("<5"),
            "referrals_sent_reason_severe_wasting": {"numerator": 0, "denominator": None, "value": 0},
            "referrals_median_days_to_completion": {"numerator": None, "denominator": 3, "value": 12.5,
                                                    "unit": "days"}},
        "communes": communes,
        "breakdowns": {"sex": {"groups": ["male", "female"], "labels": {"male": "Nam / male",
                                                                        "female": "Nữ / female"},
                               "figures": {"male": {"package_birth_registered": share(600, 600, 1.0)},
                                           "female": {"package_birth_registered": share(640, 641, 0.9984)}}}},
        "progress": {"unit": "percent", "year": 2026, "plan": "Kế hoạch 269/KH-UBND", "indicators": {
            "package_coverage_0_8": progress_entry(None, 80.0, None, "no_data"),
            "fully_immunised_by_12m": progress_entry(100.0, 97.2, 2.8, "on_track")}},
    }


def opened(report: dict):
    return load_workbook(BytesIO(build(report, GENERATED)))


def rows(sheet, first: int, last: int, columns: int = 9) -> list[tuple]:
    return list(sheet.iter_rows(min_row=first, max_row=last, max_col=columns, values_only=True))


def test_the_headline_comes_first_then_a_sheet_per_section_then_the_communes_and_each_breakdown(report):
    assert opened(report).sheetnames == ["Tổng hợp", "Hộ tịch, BHYT", "Y tế", "Bảo vệ trẻ em",
                                         "Kết nối chuyển tuyến", "Theo xã, phường", "Theo giới tính"]


def test_every_sheet_opens_with_the_title_block(report):
    book = opened(report)
    for sheet in book.worksheets:
        assert sheet["A1"].value == TITLE, sheet.title
        assert sheet["A3"].value == ("Địa bàn / area: Tỉnh Lai Châu (mã / code 12); cấp / level: "
                                     "Tỉnh / province")
        assert sheet["A4"].value == ("Bản đồ hành chính / map: từ 1/7/2025 (34 tỉnh) / 2025. Số liệu tính "
                                     "đến ngày / as of: 30/06/2026; kỳ báo cáo / period: 01/01/2026 – "
                                     "30/06/2026; năm học / school year 2025-2026")
        assert sheet["A5"].value.startswith("Lập lúc / generated at: 01/07/2026 10:00 (giờ Việt Nam, UTC+7).")
        assert sheet["A6"].value == ("Dữ liệu cập nhật đến / data applied up to: Tư pháp - hộ tịch: "
                                     "29/06/2026 14:30; Y tế: chưa có / none (lần cuối không đọc được / "
                                     "last read failed)")
    assert book["Y tế"]["A2"].value == "Y tế / Health"


def test_the_headline_shows_target_gap_and_status_beside_each_value_then_the_plans_other_targets(report):
    sheet = opened(report)["Tổng hợp"]
    assert sheet["A2"].value == "Tổng hợp: Gói dịch vụ theo độ tuổi / Age-appropriate package"
    assert rows(sheet, 10, 11) == [
        (1, "Trẻ em 0-8 tuổi được hưởng đủ gói dịch vụ phù hợp lứa tuổi trong kỳ", "x", 9, None, 0.8, None,
         "Chưa có số liệu / no data", "package_coverage_0_8"),
        (2, "Thành phần: Đã đăng ký khai sinh", 1240, 1241, 0.9992, None, None, None,
         "package_birth_registered")]
    assert sheet["A13"].value == "Các chỉ tiêu khác của kế hoạch năm 2026 / the plan's other targets: " \
                                 "Kế hoạch 269/KH-UBND"
    assert rows(sheet, 15, 15) == [(1, "Trẻ tròn 12 tháng trong kỳ được tiêm chủng đầy đủ (8 bệnh)", 1, 1,
                                    1.0, 0.972, 0.028, "Đạt tiến độ / on track", "fully_immunised_by_12m")]


def test_numbers_are_numbers_in_their_formats_and_a_hidden_count_is_its_mark_as_text(report):
    book = opened(report)
    headline, registry = book["Tổng hợp"], book["Hộ tịch, BHYT"]
    assert [(c.value, c.data_type, c.number_format) for c in headline[11][2:7]] == [
        (1240, "n", "#,##0"), (1241, "n", "#,##0"), (0.9992, "n", "0.0%"), (None, "n", "General"),
        (None, "n", "General")]
    assert (headline["C10"].value, headline["C10"].data_type) == ("x", "s")
    assert [(c.value, c.number_format) for c in book["Tổng hợp"][15][5:7]] == [(0.972, "0.0%"),
                                                                               (0.028, "+0.0%;-0.0%;0.0%")]
    assert rows(registry, 10, 10) == [(1, "Trẻ dưới 5 tuổi đã đăng ký khai sinh", 1240, None, None, None,
                                       None, None, "under5_registered")]  # a count: no denominator, no share
    protection = book["Bảo vệ trẻ em"]
    assert rows(protection, 10, 12) == [
        (1, "Vụ việc bảo vệ trẻ em mở trong kỳ", "<5", None, None, None, None, None,
         "protection_cases_opened"),
        (None,) * 9, (MARKS,) + (None,) * 8]


def test_a_median_shows_in_days_and_a_zero_breakdown_row_is_left_out_as_on_the_page(report):
    sheet = opened(report)["Kết nối chuyển tuyến"]
    assert rows(sheet, 10, 11) == [(1, "Số ngày trung vị từ chuyển tuyến đến hoàn thành", None, 3, 12.5, None,
                                    None, None, "referrals_median_days_to_completion"), (None,) * 9]
    assert sheet["E10"].number_format == '0.0 "ngày"'


def test_every_sheet_has_frozen_headers_and_prints_on_a4_landscape_fitted_to_width_with_page_numbers(report):
    book = opened(report)
    expected = {"Tổng hợp": ("C10", "$9:$9"), "Theo xã, phường": ("D12", "$9:$11"),
                "Theo giới tính": ("D12", "$9:$11")}
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == \
               ("landscape", 9, 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.oddFooter.right.text == "Trang &P / &N"
        assert sheet.oddFooter.left.text == "Tỉnh Lai Châu (12), 01/01/2026 – 30/06/2026"
        assert (sheet.freeze_panes, sheet.print_title_rows) == expected.get(sheet.title, ("C10", "$9:$9"))
    assert book["Tổng hợp"].column_dimensions["B"].width == 62
    assert book["Tổng hợp"].row_dimensions[9].height == 45


def test_the_communes_sheet_has_a_row_per_commune_then_the_total_and_a_block_per_short_figure(report):
    sheet = opened(report)["Theo xã, phường"]
    assert rows(sheet, 9, 11, 11) == [
        ("STT", "Mã / code", "Xã, phường / commune", "Đủ gói / package", None, None, "Dưới 5 tuổi / under 5",
         "TCĐĐ / fully immunised", None, None, "Vụ việc BVTE / protection cases"),
        (None, None, None, "package_coverage_0_8", None, None, "under5_registered", "fully_immunised_by_12m",
         None, None, "protection_cases_opened"),
        (None, None, None, "Tử số", "Mẫu số", "Tỷ lệ (%)", "Số", "Tử số", "Mẫu số", "Tỷ lệ (%)", "Số")]
    assert rows(sheet, 12, 14, 11) == [
        (1, "03388", "Phường Đoàn Kết", 3, 8, 0.375, 6, 1, 1, 1.0, "<5"),
        (2, "03391", "Xã Sùng Phài", "x", 1, None, 1234, 0, 0, None, 0),
        (None, "12", "Tổng / total: Tỉnh Lai Châu", "x", 9, None, 1240, 1, 1, 1.0, "<5")]
    assert sheet["G13"].number_format == "#,##0"


def test_a_breakdown_sheet_has_a_row_per_figure_and_a_block_per_group(report):
    sheet = opened(report)["Theo giới tính"]
    assert rows(sheet, 9, 12, 9) == [
        ("STT", "Chỉ số / indicator", "Mã chỉ số / id", "Nam / male", None, None, "Nữ / female", None, None),
        (None, None, None, "male", None, None, "female", None, None),
        (None, None, None, "Tử số", "Mẫu số", "Tỷ lệ (%)", "Tử số", "Mẫu số", "Tỷ lệ (%)"),
        (1, "Thành phần: Đã đăng ký khai sinh", "package_birth_registered", 600, 600, 1.0, 640, 641, 0.9984)]


def test_a_commune_report_has_no_communes_sheet(report):
    report["area"] = {"code": "03388", "level": "commune", "map": "2025", "name": "Phường Đoàn Kết",
                      "parents": [{"level": "province", "code": "12", "name": "Tỉnh Lai Châu"}]}
    del report["communes"], report["breakdowns"]
    book = opened(report)
    assert "Theo xã, phường" not in book.sheetnames
    assert book["Y tế"]["A3"].value == ("Địa bàn / area: Phường Đoàn Kết (mã / code 03388); cấp / level: "
                                        "Xã, phường / commune; thuộc / in Tỉnh Lai Châu (12)")


def test_a_sheet_name_keeps_to_excels_rules():
    taken: set[str] = set()
    long = Section("extra", "Chỉ số riêng của tỉnh: dinh dưỡng [thí điểm] và phát triển", "Own", ())
    assert sheet_name(long, taken) == "Chỉ số riêng của tỉnh- dinh dưỡ"  # 31 characters
    assert sheet_name(long, taken) == "Chỉ số riêng của tỉnh- dinh (2)"
    assert sheet_name(Section("x", "Y tế, dự phòng", "Health", ()), taken) == "Y tế"


def test_a_legacy_provinces_districts_get_their_own_sheet_after_the_communes(report):
    report["districts"] = [{"code": "105", "name": "Huyện Tam Đường", "indicators": report["indicators"]}]
    book = opened(report)
    assert book.sheetnames[-3:] == ["Theo xã, phường", "Theo huyện", "Theo giới tính"]
    assert book["Theo huyện"]["A2"].value == "Theo huyện / by district (1)"
    assert rows(book["Theo huyện"], 12, 13, 7) == [
        (1, "105", "Huyện Tam Đường", "x", 9, None, 1240),
        (None, "12", "Tổng / total: Tỉnh Lai Châu", "x", 9, None, 1240)]


def test_a_long_freshness_line_wraps_in_a_taller_row(report):
    sources = {name: {"applied_up_to": None, "unreachable": "timed out"} for name in
               ("registry", "health", "education", "protection", "programme")}
    report["freshness"] = {"sources": sources}
    sheet = opened(report)["Y tế"]
    assert (sheet["A6"].alignment.wrap_text, sheet.row_dimensions[6].height) == (True, 30)
