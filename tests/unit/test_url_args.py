"""URL dates are read as people type them, and URL errors name the URL's parameter in both languages."""

import pytest

from shared.exceptions import ValidationFailed
from shared.kit.url_args import renamed, url_date


def test_a_url_date_is_read_as_dd_mm_yyyy_or_iso():
    assert url_date({"as_of": "30/06/2026"}, "as_of") == "2026-06-30"
    assert url_date({"as_of": "2026-06-30"}, "as_of") == "2026-06-30"
    assert url_date({}, "as_of", required=False) is None


def test_a_bad_url_date_names_the_parameter_and_the_expected_format_in_both_languages():
    with pytest.raises(ValidationFailed) as raised:
        url_date({"as_of": "31/02/2026"}, "as_of")
    assert raised.value.errors == {"as_of": [
        "Ngày không hợp lệ: dạng dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 30/06/2026 / not a valid date: expected "
        "dd/mm/yyyy or yyyy-mm-dd, e.g. 30/06/2026 (nhận được / got '31/02/2026')"]}


def test_a_missing_url_date_is_named():
    with pytest.raises(ValidationFailed) as raised:
        url_date({"as_of": " "}, "as_of")
    assert raised.value.errors == {"as_of": ["Thiếu tham số bắt buộc / this parameter is required"]}


def test_an_rpc_error_is_renamed_to_the_urls_parameters_and_said_in_both_languages():
    error = ValidationFailed({"area_code": ["Missing data for required field."],
                              "period.start": ["Not a valid date."], "by": ["Unknown breakdown x."]})
    assert renamed(error, {"area_code": "area", "period": "period"}).errors == {
        "area": ["Thiếu tham số bắt buộc / this parameter is required"],
        "period.start": ["Ngày không hợp lệ: dạng dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 30/06/2026 / not a valid "
                         "date: expected dd/mm/yyyy or yyyy-mm-dd, e.g. 30/06/2026"],
        "by": ["Unknown breakdown x."]}
