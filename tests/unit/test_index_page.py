"""The index an officer opens first lists exactly what their token's rights and areas allow."""

import re
from datetime import date

from services.reporting.index_page import areas, render_index, render_sign_in
from shared.kit.identity import Identity
from shared.rules.admin_units import admin_units

TODAY = date(2026, 12, 6)
PUBLISHED = {"report_id": "03388_2026-01-01_2026-06-30_2026-06-30_v1", "version": 1,
             "period": {"start": "2026-01-01", "end": "2026-06-30"}}


def officer(role: str = "commune_officer", *codes: str) -> Identity:
    return Identity(f"{role}-1", "tests", (role,), codes or ("03388",), "monitoring", "dev", TODAY)


def hrefs(page: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'<a href="([^"]+)"', page)]


def test_a_commune_officer_sees_the_links_of_their_commune_and_its_published_report():
    page = render_index(officer(), TODAY, admin_units(), lambda codes: {"03388": [PUBLISHED]})
    assert hrefs(page) == [
        "/indicators?area=03388&as_of=2026-12-06&format=html", "/dashboard?area=03388&as_of=2026-12-06",
        "/reports/03388/2026.xlsx?as_of=2026-12-06", "/reports/03388/2026.csv?as_of=2026-12-06",
        "/package/missing?commune=03388&as_of=2026-12-06", "/programme/form?commune=03388&period=2026-H2",
        "/reports/published/03388_2026-01-01_2026-06-30_2026-06-30_v1?format=html"]
    assert "<b>commune_officer-1</b> — Cán bộ cấp xã / commune officer" in page
    assert "Báo cáo đã công bố 01/01/2026 – 30/06/2026, phiên bản 1" in page


def test_a_province_officer_sees_the_province_by_commune_and_every_commune_under_it():
    listed = areas(officer("province_officer", "12"), TODAY, admin_units(), lambda codes: {})
    province = listed[0]
    assert (province["code"], len(province["communes"])) == ("12", 38)
    assert [link.href for link in province["links"][:2]] == [
        "/indicators?area=12&as_of=2026-12-06&format=html",
        "/indicators?area=12&as_of=2026-12-06&format=html&by=commune"]
    assert province["communes"][0]["links"][0].href == "/indicators?area=03388&as_of=2026-12-06&format=html"


def test_a_legacy_district_asks_for_the_last_day_of_the_legacy_map():
    district = areas(officer("district_officer", "105"), TODAY, admin_units(), lambda codes: {})[0]
    assert (district["level"], district["links"][0].href) == (
        "Huyện / district (bản đồ cũ, legacy map)", "/indicators?area=105&as_of=2025-06-30&format=html")


def test_a_teacher_is_told_the_reports_need_an_officers_role_and_gets_no_link():
    page = render_index(officer("teacher"), TODAY, admin_units(), lambda codes: {"03388": [PUBLISHED]})
    assert hrefs(page) == []
    assert "Vai trò của bạn không cho xem báo cáo chỉ số" in page


def test_the_sign_in_page_says_how_to_get_and_send_a_token_in_both_languages():
    page = render_sign_in("Token refused: no token.")
    assert "<title>Cần đăng nhập / sign-in needed</title>" in page
    assert ("python -m tools.access token --user &lt;tên / name&gt; --role commune_officer "
            "--area 03388") in page
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in page
