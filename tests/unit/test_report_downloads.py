"""``GET /reports/<area>/<period>.xlsx|.csv`` without a server: what reaches the ``indicators`` RPC
(``as_of`` defaulting to the period's end, or today in Vietnam before it ends), the file's headers, and
a 400 naming the URL's own parameter in Vietnamese and English; 401 and 403 as the other endpoints."""

import json
from datetime import UTC, datetime

import pytest

from services.reporting.report_downloads import download
from shared.exceptions import Forbidden, Unauthenticated, ValidationFailed
from shared.rules import clock
from tests.support.figures import count

REPORT = {"area": {"code": "03388", "level": "commune", "map": "2025", "name": "Phường Đoàn Kết",
                   "parents": []},
          "as_of": "2026-06-30", "period": {"start": "2026-04-01", "end": "2026-06-30"},
          "indicators": {"under5_registered": count(6)}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def now(monkeypatch):
    """18:00 UTC on 14 May 2026: already 15 May in Vietnam."""
    monkeypatch.setattr(clock, "utc_now", lambda: datetime(2026, 5, 14, 18, 0, tzinfo=UTC))


def asked(args: dict, area: str = "03388", period: str = "2026-Q2", kind: str = "csv",
          answer: Exception | None = None) -> tuple:
    calls = []

    def indicators(*call_args):
        calls.append(call_args)
        if answer:
            raise answer
        return REPORT

    status, headers, body = download(args, area, period, kind, indicators, None)
    return status, headers, body, calls


def test_as_of_defaults_to_the_end_of_a_closed_period_and_breakdowns_reach_the_rpc():
    status, headers, body, calls = asked({"by": "sex, age_band"}, period="2026-Q1")
    assert calls == [("03388", "2026-03-31", "2026-Q1", True, ["sex", "age_band"])]
    assert (status, headers) == (200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="bao-cao-03388-2026-Q1.csv"'})
    assert body.decode("utf-8").splitlines()[1].startswith("03388,Phường Đoàn Kết,")


def test_as_of_defaults_to_today_in_vietnam_while_the_period_runs_and_may_be_typed_dd_mm_yyyy():
    assert asked({})[3][0][1] == "2026-05-15"
    assert asked({"as_of": "30/04/2026"})[3][0][1] == "2026-04-30"


def test_the_workbook_is_an_xlsx_attachment():
    status, headers, body, _ = asked({}, kind="xlsx", period="plan:2021-2025", area="12")
    assert (status, headers["Content-Type"], headers["Content-Disposition"]) == (
        200, XLSX, 'attachment; filename="bao-cao-12-plan-2021-2025.xlsx"')
    assert body[:2] == b"PK"  # a zip: an Office Open XML file


@pytest.mark.parametrize(("args", "period", "field", "message"), [
    ({}, "2026-Q5", "period", "Kỳ không hợp lệ: cần một trong: YYYY-MM (tháng), YYYY-Qn (quý, n 1-4)"),
    ({"as_of": "31/06/2026"}, "2026-Q2", "as_of", "Ngày không hợp lệ: dạng dd/mm/yyyy hoặc yyyy-mm-dd"),
    ({"as_of": "2026-03-31"}, "2026-Q2", "as_of", "Ngày tính trước ngày đầu kỳ 01/04/2026 / as_of is before "
                                                  "the period starts (01/04/2026)"),
])
def test_a_bad_period_or_date_is_a_400_naming_the_urls_parameter_before_the_rpc_is_asked(args, period, field,
                                                                                       message):
    status, _, body, calls = asked(args, period=period)
    errors = json.loads(body)["errors"]
    assert (status, list(errors), calls) == (400, [field], [])
    assert errors[field][0].startswith(message)


def test_the_rpcs_own_errors_are_named_as_the_url_names_them_in_both_languages_as_on_the_page():
    refused = ValidationFailed({"area_code": ["'99999' is no province, district or commune on the 2025 map "
                                              "in force on 2026-06-30."]})
    status, _, body, _ = asked({}, area="99999", answer=refused)
    assert (status, json.loads(body)) == (400, {"errors": {"area": [
        "Không có tỉnh, huyện hay xã, phường mã '99999' trên bản đồ 2025 dùng vào ngày 30/06/2026; "
        "cần mã tỉnh 2 chữ số, mã huyện 3 chữ số (bản đồ trước 1/7/2025) hoặc mã xã, phường 5 chữ số, "
        "ví dụ 12 hoặc 03388 / '99999' is no province, district or commune on the 2025 map in force on "
        "2026-06-30. (expected a "
        "2-digit province, 3-digit legacy district or 5-digit commune code, e.g. 12 or 03388)"]}})


def test_an_unknown_breakdown_and_a_bad_area_are_named_at_once_before_the_rpc_is_asked():
    status, _, body, calls = asked({"by": "colour"}, area="1x")
    assert (status, sorted(json.loads(body)["errors"]), calls) == (400, ["area", "by"], [])


@pytest.mark.parametrize(("refusal", "status"), [(Unauthenticated("No token."), 401),
                                                 (Forbidden("Area 03391 is not yours."), 403)])
def test_no_token_is_a_401_and_another_area_a_403(refusal, status):
    answer, headers, body, _ = asked({}, kind="xlsx", answer=refusal)
    assert (answer, headers["Content-Type"], json.loads(body)) == (
        status, "application/json", {"error": type(refusal).__name__, "reason": str(refusal)})
