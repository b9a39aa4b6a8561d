"""The report page and the index in a real headless Chromium, served by reporting's HTTP.

A province's by-commune report printed on A4 landscape keeps every column on paper (each table's
right edge within the printable width, the last column's header shown); on a 390 px phone the
section tables' value cells stay on screen and nothing is wider than the screen outside a scroll
box; ``by=commune`` shows the tables; the index lists exactly what a commune officer may open.
Screenshots and PDFs are kept under the test's ``tmp_path`` to look at.
"""

import re
from datetime import UTC, date, datetime

import pytest
import requests
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from services.reporting.catalogue import catalogue
from services.reporting.report_page import FIGURES_PER_TABLE, render_report
from shared.rules.admin_units import admin_units
from shared.rules.clock import vietnam_today
from tests.support.browser import open_page
from tests.support.factories import make_birth_envelope, make_token
from tests.support.identities import bearer, token

A4_LANDSCAPE_PRINTABLE = round((297 - 2 * 10) / 25.4 * 96)  # CSS px inside the page's 10 mm margins
A4_PORTRAIT_PRINTABLE = round((210 - 2 * 15) / 25.4 * 96)  # a page without them: portrait, 15 mm
PHONE = (390, 844)
PROVINCE_OFFICER = bearer(token("province_officer", areas=["12"]))
AS_OF = "30/06/2026"


@pytest.fixture
def served(reporting_container):
    """Reporting's address, holding three children born in 2026 in ward 03388."""
    for day in ("2026-01-05", "2026-02-10", "2026-03-15"):
        envelope = make_birth_envelope(date_of_birth=day)
        with entrypoint_waiter(reporting_container, "handle_registry_birth_registered"):
            event_dispatcher(reporting_container.config)("registry", "birth_registered", envelope)
    return f"http://{reporting_container.config['WEB_SERVER_ADDRESS']}"


def short_labels() -> list[str]:
    return [i.short for i in catalogue().indicators(date(2026, 6, 30)) if i.short]


def right_edges(boxes: list[dict]) -> list[float]:
    return [box["x"] + box["width"] for box in boxes]


def printed(url_or_html: dict, tmp_path, name: str) -> dict:
    return open_page(**url_or_html, width=A4_LANDSCAPE_PRINTABLE, height=740, media="print",
                     landscape=True, screenshot=tmp_path / f"{name}.png", pdf=tmp_path / f"{name}.pdf",
                     measure={"tables": "table", "communes": "table.communes",
                              "last_headers": "table.communes thead tr:first-child th:last-child",
                              "rows": "table.communes tbody tr"})


def test_the_province_report_by_commune_prints_on_a4_landscape_with_every_column(served, tmp_path):
    page = printed({"url": f"{served}/indicators?area=12&as_of={AS_OF}&format=html&by=commune",
                    "headers": PROVINCE_OFFICER}, tmp_path, "province-a4")
    boxes, labels = page["measured"], short_labels()
    tables = -(-len(labels) // FIGURES_PER_TABLE)  # 20 figures with a short label: 4 tables
    assert (page["status"], len(boxes["communes"]), len(boxes["rows"])) == (200, tables, tables * 38)
    assert max(right_edges(boxes["tables"])) <= A4_LANDSCAPE_PRINTABLE
    assert page["scroll_width"] <= A4_LANDSCAPE_PRINTABLE
    assert [(h["text"], h["visible"]) for h in boxes["last_headers"]] == [
        (labels[min(last, len(labels)) - 1], True)
        for last in range(FIGURES_PER_TABLE, tables * FIGURES_PER_TABLE + 1, FIGURES_PER_TABLE)]
    assert page["pdf_pages"] >= 2


def test_the_widest_figures_a_province_can_have_still_fit_a4_landscape(tmp_path):
    listed = catalogue().indicators(date(2026, 6, 30))
    big = {i.id: {"numerator": 123456, "denominator": 234567, "value": 0.5263} for i in listed}
    communes = [{"code": c.code, "name": c.name, "indicators": big}
                for c in admin_units().communes_in("12", "2025")]
    report = {"area": {"code": "12", "level": "province", "map": "2025", "name": "Tỉnh Lai Châu",
                       "parents": []}, "as_of": "2026-06-30",
              "period": {"start": "2026-01-01", "end": "2026-06-30"}, "indicators": big, "communes": communes}
    page = printed({"html": render_report(report, datetime(2026, 6, 30, tzinfo=UTC), by=["commune"])},
                   tmp_path, "widest-a4")
    assert len(page["measured"]["communes"]) == -(-len(short_labels()) // FIGURES_PER_TABLE)
    assert max(right_edges(page["measured"]["tables"])) <= A4_LANDSCAPE_PRINTABLE
    assert all(h["visible"] for h in page["measured"]["last_headers"])


def test_a_communes_report_prints_on_a4_portrait_with_every_table_inside_the_margins(served, tmp_path):
    page = open_page(f"{served}/indicators?area=03388&as_of={AS_OF}&format=html", headers=PROVINCE_OFFICER,
                     width=A4_PORTRAIT_PRINTABLE, height=1000, media="print", pdf=tmp_path / "commune-a4.pdf",
                     screenshot=tmp_path / "commune-a4.png", measure={"tables": "table"})
    assert (page["status"], len(page["measured"]["tables"]) >= 7) == (200, True)
    assert max(right_edges(page["measured"]["tables"])) <= A4_PORTRAIT_PRINTABLE
    assert page["scroll_width"] <= A4_PORTRAIT_PRINTABLE


def test_on_a_390_px_phone_the_value_column_stays_on_screen(served, tmp_path):
    commune = open_page(f"{served}/indicators?area=03388&as_of={AS_OF}&format=html", width=PHONE[0],
                        height=PHONE[1], headers=PROVINCE_OFFICER, screenshot=tmp_path / "commune-390.png",
                        measure={"values": "table.figures tbody td:last-child",
                                 "hidden": "table.figures th.nd"})
    values = commune["measured"]["values"]
    assert (commune["status"], len(values) > 50) == (200, True)
    assert max(right_edges(values)) <= PHONE[0]
    assert all(v["visible"] for v in values)
    assert {h["visible"] for h in commune["measured"]["hidden"]} == {False}
    assert commune["scroll_width"] <= PHONE[0]


def test_on_a_phone_the_commune_tables_scroll_inside_their_box(served, tmp_path):
    page = open_page(f"{served}/indicators?area=12&as_of={AS_OF}&format=html&by=commune", width=PHONE[0],
                     height=PHONE[1], headers=PROVINCE_OFFICER, screenshot=tmp_path / "province-390.png",
                     measure={"boxes": ".wide"})
    assert page["scroll_width"] <= PHONE[0]
    assert max(right_edges(page["measured"]["boxes"])) <= PHONE[0]


def test_by_commune_shows_the_tables_and_on_a_commune_says_none_lies_under_it(served):
    def get(area, **more):
        return requests.get(f"{served}/indicators", params={"area": area, "as_of": AS_OF, "format": "html",
                                                             **more}, headers=PROVINCE_OFFICER, timeout=30)

    assert [get("12").text.count("<table class=communes>"),
            get("12", by="commune").text.count("<table class=communes>")] == [
        0, -(-len(short_labels()) // FIGURES_PER_TABLE)]
    assert ("Phường Đoàn Kết là một xã, phường: không có xã, phường nào trực thuộc"
            in get("03388", by="commune").text)
    unknown = requests.get(f"{served}/indicators", params={"area": "12", "as_of": AS_OF, "by": "village"},
                           headers=PROVINCE_OFFICER, timeout=30)
    assert (unknown.status_code, list(unknown.json()["errors"])) == (400, ["by"])


def test_the_index_lists_exactly_a_commune_officers_links_and_none_of_another_commune(served, tmp_path):
    officer = bearer(make_token("commune_officer", user_id="officer-of-03388"))
    page = requests.get(f"{served}/", headers=officer, timeout=30)
    on = vietnam_today()  # the index's day is the officers'
    day, year = on.isoformat(), on.year
    half = f"{year}-H{1 if on.month <= 6 else 2}"
    links = [href.replace("&amp;", "&") for href in re.findall(r'<a href="([^"]+)"', page.text)]
    assert (page.status_code, links) == (200, [
        f"/indicators?area=03388&as_of={day}&format=html", f"/dashboard?area=03388&as_of={day}",
        f"/reports/03388/{year}.xlsx?as_of={day}", f"/reports/03388/{year}.csv?as_of={day}",
        f"/package/missing?commune=03388&as_of={day}", f"/programme/form?commune=03388&period={half}"])
    assert "03391" not in page.text
    shown = open_page(f"{served}/", width=PHONE[0], height=PHONE[1], headers=officer,
                      screenshot=tmp_path / "index-390.png", measure={"links": "a"})
    assert (len(shown["measured"]["links"]), shown["scroll_width"] <= PHONE[0]) == (6, True)


def test_without_a_token_the_index_is_a_401_page_saying_how_to_get_and_send_one(served):
    page = requests.get(f"{served}/", timeout=30)
    assert (page.status_code, page.headers["WWW-Authenticate"]) == (401, 'Bearer realm="ecd-platform"')
    assert "Cách lấy và gửi mã truy cập / how to get and send a token" in page.text
    assert "python -m tools.access token" in page.text
