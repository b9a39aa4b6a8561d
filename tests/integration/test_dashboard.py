"""The officer's dashboard (issue 17) in a real headless Chromium, over the real RabbitMQ and PostgreSQL:
eleven school-age children recorded through the registry's, health's and education's RPCs, the
district's dashboard and its drill-down to a commune and to the commune's children missing a part of
the package, each page opened with an officer's token, looked at and measured.

On 31 May 2025 (legacy map; period 1 January - 31 May 2025; school year 2024-2025), district 105 of Lai
Châu, whose plan's target for the headline in 2025 is 80 %. Every child is 6-8 by birth year, so the
parts of the package that apply are: birth registered (all), a health check in the period, enrolled in
school. A child with both is covered:

    commune  child  born        check in period  enrolled   misses
    03388    A-E    2017/2018   yes              yes        -
             F      2017-09-01  -                grade 2    health check
             G      2018-04-10  yes              -          enrolled
             H      2018-06-15  -                -          health check, enrolled
    03387    I      2017-05-20  yes              yes        -
             J      2018-02-02  yes              -          enrolled
    03389    K      2018-03-03  yes              yes        -

Headline: 03388 5/8 = 62,5 %; 03387 1/2 = 50,0 %; 03389 1/1 = 100,0 %; the district 7/11 = 63,6 %.
"""

import html
import re
from urllib.parse import urljoin

import pytest
import requests

from tests.support.browser import open_page
from tests.support.factories import make_birth, make_enrolment, make_health_check, make_token
from tests.support.hooks import call, write_and_wait
from tests.support.identities import bearer

AS_OF = "2025-05-31"
PROVINCE_OFFICER = make_token("province_officer", communes=("12",), user_id="province-officer-1")
COMMUNE_OFFICER = make_token("commune_officer", communes=("03388",), user_id="commune-officer-1")
OUTSIDER = make_token("commune_officer", communes=("03445",), user_id="officer-of-03445")  # Xã Mường Tè
AUDITOR = make_token("auditor", communes=(), user_id="auditor-1")
CHILDREN = {  # name: (commune, born, checked, enrolled in grade)
    "A": ("03388", "2017-06-10", True, 2), "B": ("03388", "2017-08-11", True, 2),
    "C": ("03388", "2017-12-12", True, 2), "D": ("03388", "2018-01-13", True, 1),
    "E": ("03388", "2018-02-14", True, 1), "F": ("03388", "2017-09-01", False, 2),
    "G": ("03388", "2018-04-10", True, None), "H": ("03388", "2018-06-15", False, None),
    "I": ("03387", "2017-05-20", True, 2), "J": ("03387", "2018-02-02", True, None),
    "K": ("03389", "2018-03-03", True, 1)}
SECTORS = ["Gói dịch vụ theo độ tuổi / Age-appropriate package",
           "Hộ tịch, thẻ BHYT / Civil registration and health insurance", "Y tế / Health",
           "Giáo dục / Education", "Bảo vệ trẻ em, trợ giúp xã hội / Child protection and social assistance",
           "Kết nối, chuyển tuyến giữa các ngành / Referrals between sectors",
           "Chương trình (số liệu nhập tổng hợp) / Programme (entered totals)"]
MEASURE = {"headline": "#headline-value", "target": "#headline-target", "status": "#headline-status",
           "charts": "figure.chart.sector", "captions": "figure.chart.sector figcaption",
           "ranked_chart": "#chart-communes",
           "communes": "#ranked a.commune", "parts": "#components a.missing", "h1": "h1"}


@pytest.fixture
def district(registry_container, health_container, education_container, reporting_container) -> dict:
    followers = (health_container, education_container, reporting_container)
    ids = {}
    for name, (commune, born, checked, grade) in CHILDREN.items():
        birth = make_birth(full_name=f"Trẻ {name}", date_of_birth=born, commune_code=commune)
        write_and_wait(registry_container, "register_birth", [birth],
                       [(c, "handle_registry_birth_registered") for c in followers])
        ids[name] = birth["child_id"]
        if checked:
            write_and_wait(health_container, "record_health_check",
                           [make_health_check(ids[name], checked_on="2025-03-01", commune_code=commune)],
                           [(reporting_container, "handle_health_health_check_recorded")])
        if grade:
            enrolment = make_enrolment(ids[name], level="primary", grade=grade, school_code=f"TH-{commune}",
                                       commune_code=commune)
            write_and_wait(education_container, "record_enrolment", [enrolment],
                           [(reporting_container, "handle_education_enrolment_recorded")])
    return ids


def site(container) -> str:
    return f"http://{container.config['WEB_SERVER_ADDRESS']}"


def texts(found: dict, name: str) -> list[str]:
    return [box["text"].strip() for box in found["measured"][name]]


def shown_with_size(boxes: list[dict]) -> bool:
    return all(box["visible"] and box["width"] > 100 and box["height"] > 50 for box in boxes)


def test_the_district_dashboard_shows_the_headline_against_its_target_a_chart_per_sector_and_the_communes(
        district, reporting_container, tmp_path):
    page = open_page(f"{site(reporting_container)}/dashboard?area=105&as_of=31/05/2025",
                     headers=bearer(PROVINCE_OFFICER), measure=MEASURE, screenshot=tmp_path / "dashboard.png",
                     pdf=tmp_path / "dashboard.pdf")
    assert page["status"] == 200
    assert texts(page, "h1") == ["Bảng điều khiển / dashboard — Thành phố Lai Châu (105)"]
    assert texts(page, "headline") == ["63,6 %"]
    assert texts(page, "target") == ["Mục tiêu 80,0 % · chênh lệch / gap -16,4 điểm % / points · "
                                     "Chậm tiến độ / off track"]
    assert texts(page, "captions") == SECTORS
    source = requests.get(f"{site(reporting_container)}/dashboard?area=105&as_of=2025-05-31",
                          headers=bearer(PROVINCE_OFFICER), timeout=30).text
    named = re.findall(r'<svg [^>]*aria-label="([^"]+)">\s*<title>([^<]+)</title>', source)
    assert named[1:] == [(s, s) for s in SECTORS]  # each chart's own title, for screen readers
    assert shown_with_size(page["measured"]["charts"] + page["measured"]["ranked_chart"])
    assert texts(page, "communes") == ["Phường Tân Phong", "Phường Quyết Tiến", "Phường Đoàn Kết",
                                       "Phường Quyết Thắng", "Xã Sùng Phài", "Phường Đông Phong",
                                       "Xã San Thàng"]  # 50,0 %, 62,5 %, 100,0 %, then no child, by code
    assert (page["scroll_width"], page["pdf_pages"]) == (1280, 3)  # prints on A4, no chart cut in two


def links(url: str, token: str, kind: str) -> list[tuple[str, str]]:
    """The page's links of class ``kind``: (their text, the address they lead to)."""
    page = requests.get(url, headers=bearer(token), timeout=30)
    assert page.status_code == 200, page.text
    found = re.findall(rf'<a class={kind} href="([^"]+)">([^<]+)</a>', page.text)
    return [(text, urljoin(url, html.unescape(href))) for href, text in found]


def test_the_drill_down_leads_to_the_commune_and_to_its_children_missing_a_part(district, reporting_container,
                                                                                tmp_path):
    communes = links(f"{site(reporting_container)}/dashboard?area=105&as_of=2025-05-31", PROVINCE_OFFICER,
                     "commune")
    down = dict(communes)["Phường Quyết Tiến"]
    commune = open_page(down, headers=bearer(COMMUNE_OFFICER), measure=MEASURE,
                        screenshot=tmp_path / "commune.png", width=390, height=844)
    assert texts(commune, "h1") == ["Bảng điều khiển / dashboard — Phường Quyết Tiến (03388)"]
    assert texts(commune, "headline") == ["62,5 %"]
    assert texts(commune, "target") == ["Mục tiêu 80,0 % · chênh lệch / gap -17,5 điểm % / points · "
                                        "Chậm tiến độ / off track"]
    assert texts(commune, "parts") == ["2 — danh sách / list", "2 — danh sách / list"]  # check, school
    assert commune["scroll_width"] == 390 and shown_with_size(commune["measured"]["charts"])
    parts = links(down, COMMUNE_OFFICER, "missing")
    checks = parts[0][1]
    assert [href.split("?")[1] for _, href in parts] == [
        "commune=03388&as_of=2025-05-31&component=health_check",
        "commune=03388&as_of=2025-05-31&component=enrolled"]
    listed = open_page(checks, headers=bearer(COMMUNE_OFFICER), measure={"rows": "#children tbody tr"},
                       screenshot=tmp_path / "missing.png")
    assert texts(listed, "rows") == [
        "1\tTrẻ F\t01/09/2017\t7 tuổi 8 tháng\tĐược khám sức khỏe trong kỳ (3-8 tuổi)",
        "2\tTrẻ H\t15/06/2018\t6 tuổi 11 tháng\tĐược khám sức khỏe trong kỳ (3-8 tuổi)"]


def test_the_every_part_list_names_what_each_child_misses_in_vietnamese(district, reporting_container):
    page = requests.get(f"{site(reporting_container)}/dashboard/missing",
                        params={"commune": "03388", "as_of": "31/05/2025"}, headers=bearer(COMMUNE_OFFICER),
                        timeout=30)
    rows = re.findall(r"<tr><td class=n>\d+</td><td>([^<]+)</td><td class=n>([^<]+)</td>"
                      r"<td class=n>([^<]+)</td><td>([^<]+)</td></tr>", page.text)
    assert (page.status_code, rows) == (200, [
        ("Trẻ F", "01/09/2017", "7 tuổi 8 tháng", "Được khám sức khỏe trong kỳ (3-8 tuổi)"),
        ("Trẻ G", "10/04/2018", "7 tuổi 1 tháng", "Đi học: mẫu giáo 3-5 tuổi, đến trường 6-8 tuổi"),
        ("Trẻ H", "15/06/2018", "6 tuổi 11 tháng",
         "Được khám sức khỏe trong kỳ (3-8 tuổi); Đi học: mẫu giáo 3-5 tuổi, đến trường 6-8 tuổi")])
    assert '<a id=csv href="/package/missing?commune=03388&amp;as_of=2025-05-31">' in page.text


def test_a_commune_officers_own_commune_is_the_dashboards_default_area(district, reporting_container):
    page = requests.get(f"{site(reporting_container)}/dashboard", params={"as_of": AS_OF},
                        headers=bearer(COMMUNE_OFFICER), timeout=30)
    assert page.status_code == 200
    assert re.search(r"<p class=big id=headline-value>([^<]+)</p>", page.text).group(1) == "62,5 %"


@pytest.mark.parametrize("path", ["/dashboard?area=03388&as_of=2025-05-31",
                                  "/dashboard/missing?commune=03388&as_of=2025-05-31",
                                  "/dashboard/missing?commune=03388&as_of=2025-05-31&component=enrolled",
                                  "/dashboard?area=105&as_of=2025-05-31"])
def test_an_officer_of_another_commune_gets_the_refusal_page(reporting_container, path):
    page = requests.get(f"{site(reporting_container)}{path}", headers=bearer(OUTSIDER), timeout=30)
    assert (page.status_code, page.headers["Content-Type"]) == (403, "text/html; charset=utf-8")
    assert "<h1>Không có quyền / not allowed</h1>" in page.text


def test_without_a_token_the_dashboard_asks_for_one(reporting_container):
    page = requests.get(f"{site(reporting_container)}/dashboard?area=03388", timeout=30)
    assert (page.status_code, page.headers["WWW-Authenticate"]) == (401, 'Bearer realm="ecd-platform"')
    assert "<h1>Cần đăng nhập / sign-in needed</h1>" in page.text


@pytest.mark.parametrize(("path", "field"), [
    ("/dashboard?area=03388&as_of=31-05-2025", "as_of"),
    ("/dashboard?area=99999&as_of=2025-05-31", "area"),
    ("/dashboard?area=03388&as_of=2025-05-31&period=2025-Q9", "period"),
    ("/dashboard/missing?commune=03388&as_of=2025-13-01", "as_of"),
    ("/dashboard/missing?commune=12&as_of=2025-05-31", "commune"),
])
def test_a_bad_query_gets_a_400_page_naming_the_urls_parameter(reporting_container, path, field):
    page = requests.get(f"{site(reporting_container)}{path}", headers=bearer(PROVINCE_OFFICER), timeout=30)
    assert (page.status_code, page.headers["Content-Type"]) == (400, "text/html; charset=utf-8")
    assert re.findall(r"<li><b>([^<]+)</b>", page.text) == [field]


def test_every_read_of_the_missing_list_page_is_audited_the_refused_one_too(district, reporting_container):
    for token in (COMMUNE_OFFICER, OUTSIDER):
        requests.get(f"{site(reporting_container)}/dashboard/missing",
                     params={"commune": "03388", "as_of": AS_OF}, headers=bearer(token), timeout=30)
    log = call(reporting_container, "audit_log", as_token=AUDITOR)
    assert [(e["user_id"], e["outcome"]) for e in log if e["action"] == "read_package_missing"] == [
        ("officer-of-03445", "refused"), ("commune-officer-1", "withheld")]  # newest first
