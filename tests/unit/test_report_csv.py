"""The report as one CSV: UTF-8 with a byte-order mark, CRLF, a row per figure of the area then of each
commune, shares in percent with a dot, hidden counts as their marks, each commune against its own plan."""

from services.reporting.report_csv import report_csv
from tests.support.figures import count, share

HEADER = ("Mã địa bàn,Địa bàn,Mục,Mã chỉ số,Chỉ số,Tử số,Mẫu số,Tỷ lệ (%),Chỉ tiêu (%),Trung vị (ngày),"
          "Nhóm (phân tổ)")
PACKAGE = "Gói dịch vụ theo độ tuổi"
COVERAGE = "Trẻ em 0-8 tuổi được hưởng đủ gói dịch vụ phù hợp lứa tuổi trong kỳ"
REGISTERED = '"Hộ tịch, thẻ BHYT",under5_registered,Trẻ dưới 5 tuổi đã đăng ký khai sinh'
IMMUNISED = "Y tế,fully_immunised_by_12m,Trẻ tròn 12 tháng trong kỳ được tiêm chủng đầy đủ (8 bệnh)"


def province_report() -> dict:
    return {
        "area": {"code": "12", "level": "province", "map": "2025", "name": "Tỉnh Lai Châu", "parents": []},
        "as_of": "2026-06-30", "period": {"start": "2026-01-01", "end": "2026-06-30"},
        "indicators": {"package_coverage_0_8": share("x", 9, None), "under5_registered": count(1240),
                       "fully_immunised_by_12m": share(2, 3, 0.6667),
                       "referrals_sent_reason_severe_wasting": count(0),
                       "referrals_median_days_to_completion": {"numerator": None, "denominator": 3,
                                                               "value": 12.5, "unit": "days"}},
        "communes": [{"code": "03388", "name": "Phường Đoàn Kết", "indicators": {
            "package_coverage_0_8": share(3, 8, 0.375), "protection_cases_opened": count("<5")}}],
        "progress": {"indicators": {"package_coverage_0_8": {"target": 80.0},
                                    "fully_immunised_by_12m": {"target": 97.2}}},
    }


def test_the_area_then_each_commune_a_row_per_figure_with_bom_and_crlf():
    text = report_csv(province_report())
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    assert text[1:].split("\r\n") == [
        HEADER,
        f"12,Tỉnh Lai Châu,{PACKAGE},package_coverage_0_8,{COVERAGE},x,9,,80.00,,",
        f"12,Tỉnh Lai Châu,{REGISTERED},1240,,,,,",
        f"12,Tỉnh Lai Châu,{IMMUNISED},2,3,66.67,97.20,,",
        '12,Tỉnh Lai Châu,"Kết nối, chuyển tuyến giữa các ngành",referrals_median_days_to_completion,'
        "Số ngày trung vị từ chuyển tuyến đến hoàn thành,,3,,,12.5,",
        f"03388,Phường Đoàn Kết,{PACKAGE},package_coverage_0_8,{COVERAGE},3,8,37.50,80.00,,",
        '03388,Phường Đoàn Kết,"Bảo vệ trẻ em, trợ giúp xã hội",protection_cases_opened,'
        "Vụ việc bảo vệ trẻ em mở trong kỳ,<5,,,,,",
        ""]


def test_a_commune_report_has_only_its_own_rows():
    report = province_report()
    report["area"] = {"code": "03388", "level": "commune", "map": "2025", "name": "Phường Đoàn Kết"}
    report["indicators"] = {"under5_registered": count(6)}
    assert report_csv(report)[1:].split("\r\n")[1:] == [
        f"03388,Phường Đoàn Kết,{REGISTERED},6,,,,,",
        ""]


def test_each_breakdown_asked_repeats_the_areas_rows_per_group_named_in_the_last_column():
    report = province_report()
    report["communes"] = []
    report["indicators"] = {"under5_registered": count(10)}
    report["breakdowns"] = {"sex": {"groups": ["female", "male"], "labels": {"female": "Nữ", "male": "Nam"},
                                    "figures": {"female": {"under5_registered": count(4)},
                                                "male": {"under5_registered": count(6)}}}}
    assert report_csv(report)[1:].split("\r\n")[1:] == [
        f"12,Tỉnh Lai Châu,{REGISTERED},10,,,,,",
        f"12,Tỉnh Lai Châu,{REGISTERED},4,,,,,giới tính: Nữ",
        f"12,Tỉnh Lai Châu,{REGISTERED},6,,,,,giới tính: Nam",
        ""]
