"""``GET /indicators`` passes a period spec and the breakdowns asked (``by=sex,age_band``) to the RPC,
reads ``as_of`` as the page writes dates, and names every error by the URL's own parameter in
Vietnamese and English with what was expected."""

import json

from services.reporting.http_views import indicators_response
from shared.exceptions import ValidationFailed


def asked(args: dict) -> tuple:
    calls = []

    def indicators(*call_args):
        calls.append(call_args)
        return {"asked": list(call_args)}

    status, _, body = indicators_response(args, indicators)
    return status, calls[0], json.loads(body)


def test_a_period_spec_and_a_list_of_breakdowns_reach_the_rpc():
    _, call, _ = asked({"area": "12", "as_of": "2026-06-30", "period": "2026-Q2", "by": "sex, age_band"})
    assert call == ("12", "2026-06-30", "2026-Q2", False, ["sex", "age_band"])


def test_period_start_and_end_still_reach_the_rpc_as_an_object():
    _, call, _ = asked({"area": "12", "as_of": "2026-06-30", "period_start": "2026-02-01", "by": "commune"})
    assert call == ("12", "2026-06-30", {"start": "2026-02-01"}, False, ["commune"])


def refused_with(args: dict, rpc_error: ValidationFailed | None = None) -> tuple[int, dict]:
    def indicators(*_):
        raise rpc_error

    status, _, body = indicators_response(args, indicators)
    return status, json.loads(body)["errors"]


def test_an_as_of_written_as_the_page_writes_dates_reaches_the_rpc_as_iso():
    _, call, _ = asked({"area": "03388", "as_of": "30/06/2026"})
    assert call == ("03388", "2026-06-30", None, False, [])


def test_a_bad_date_names_as_of_in_vietnamese_and_english_with_the_expected_format():
    assert refused_with({"area": "12", "as_of": "2026-13-40"}) == (400, {"as_of": [
        "Ngày không hợp lệ: dạng dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 30/06/2026 / not a valid date: expected "
        "dd/mm/yyyy or yyyy-mm-dd, e.g. 30/06/2026 (nhận được / got '2026-13-40')"]})


def test_the_rpcs_area_code_is_named_area_as_the_url_names_it_in_both_languages():
    unknown = ValidationFailed({"area_code": [
        "'99' is no province, district or commune on the 2025 map in force on 2026-06-30."]})
    assert refused_with({"area": "99", "as_of": "30/06/2026"}, unknown) == (400, {"area": [
        "Không có tỉnh, huyện hay xã, phường mã '99' trên bản đồ 2025 dùng vào ngày 30/06/2026; cần mã tỉnh "
        "2 chữ số, mã huyện 3 chữ số (bản đồ trước 1/7/2025) hoặc mã xã, phường 5 chữ số, ví dụ 12 hoặc 03388"
        " / '99' is no province, district or commune on the 2025 map in force on 2026-06-30. (expected a "
        "2-digit province, 3-digit legacy district or 5-digit commune code, e.g. 12 or 03388)"]})


def test_an_area_that_is_no_code_and_a_missing_date_are_named_together_before_any_rpc():
    assert refused_with({"area": "Lai Châu", "format": "html!"}) == (400, {
        "area": ["Mã địa bàn không hợp lệ: cần mã tỉnh 2 chữ số, mã huyện 3 chữ số (bản đồ trước 1/7/2025) "
                 "hoặc mã xã, phường 5 chữ số, ví dụ 12 hoặc 03388 / not an area code: expected a 2-digit "
                 "province, 3-digit legacy district or 5-digit commune code, e.g. 12 or 03388 "
                 "(nhận được / got 'Lai Châu')"],
        "as_of": ["Thiếu tham số bắt buộc / this parameter is required"],
        "format": ["Định dạng phải là json hoặc html / format must be one of: json, html "
                   "(nhận được / got 'html!')"]})


def test_an_unknown_breakdown_is_a_400_naming_by_with_the_allowed_values():
    assert refused_with({"area": "12", "as_of": "2026-06-30", "by": "commune,village"}) == (400, {"by": [
        "Không có cách chia này: chọn trong commune (theo xã, phường), district (theo huyện (bản đồ cũ)), "
        "sex (giới tính), age_band (nhóm tuổi), ethnicity (dân tộc), poverty (hộ nghèo), disability "
        "(khuyết tật) / unknown breakdown: must be among commune, district, sex, age_band, ethnicity, "
        "poverty, disability (nhận được / got 'village')"]})


def test_a_bad_period_spec_names_period_with_the_specs_expected():
    assert refused_with({"area": "12", "as_of": "2026-06-30", "period": "Q2"}) == (400, {"period": [
        "Kỳ không hợp lệ: cần một trong: YYYY-MM (tháng), YYYY-Qn (quý, n 1-4), YYYY-Hn (nửa năm, n 1-2), "
        "YYYY (năm), YYYY-YYYY (năm học), plan:YYYY-YYYY (kỳ kế hoạch) / not a period: Expected one of: "
        "YYYY-MM (month), YYYY-Qn (quarter, n 1-4), YYYY-Hn (half-year, n 1-2), YYYY (year), "
        "YYYY-YYYY (school year), plan:YYYY-YYYY (plan period). (nhận được / got 'Q2')"]})


def test_a_period_end_after_as_of_is_named_period_end_as_the_url_wrote_it():
    late = ValidationFailed({"period.end": ["Must not be after as_of."]})
    args = {"area": "12", "as_of": "2026-06-30", "period_end": "31/12/2026"}
    assert refused_with(args, late) == (400, {"period_end": [
        "Không được sau ngày tính (as_of) / Must not be after as_of."]})


def test_the_html_error_page_names_the_urls_parameter():
    status, headers, page = indicators_response({"area": "12", "as_of": "31/02/2026", "format": "html"},
                                                lambda *_: {})
    assert (status, headers["Content-Type"]) == (400, "text/html; charset=utf-8")
    assert ("<li><b>as_of</b>: Ngày không hợp lệ: dạng dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 30/06/2026 / "
            "not a valid date: expected dd/mm/yyyy or yyyy-mm-dd, e.g. 30/06/2026 (nhận được / got "
            "&#39;31/02/2026&#39;)</li>") in page
