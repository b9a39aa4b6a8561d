"""The report's workbook and CSV over HTTP, on the real RabbitMQ and PostgreSQL: four children recorded
through the sectors' RPCs (as in test_package.py), the workbook read back with openpyxl, each of its
numbers equal to the ``indicators`` RPC's JSON and, for a few, to a hand count; a commune officer
cannot download another commune's report; a bad period is a 400 naming it.

On 31 May 2025 (legacy map; ``2025-H1`` runs 1 January - 31 May 2025 on that day), in Lai Châu:

    03388  born        what the sectors hold
      A    2025-01-10  card, measured 01/05/2025
      C    2023-03-01  card expired 31/03/2025, measured 15/02/2025
      D    2021-03-15  card, measured 01/03/2025, a special circumstance (protection)
    03391
      K    2020-08-01  nothing

Hand count: under 5 registered 3 in 03388, 1 in 03391, 4 in the province; a valid card under 6 (the
package's component) 2/3 in 03388 and 2/4 in the province; measured under 5: 3/3 and 3/4; the
special circumstance is one child of three 0-8: both shown as ``<5``. (03388 is Phường Quyết Tiến on
the legacy map.)
"""

from datetime import date
from io import BytesIO

import pytest
import requests
from nameko.testing.services import entrypoint_waiter
from openpyxl import load_workbook

from services.reporting.catalogue import catalogue
from tests.support.factories import make_birth, make_card, make_growth, make_special_circumstance, make_token
from tests.support.hooks import call, write_and_wait
from tests.support.identities import bearer, everyone
from tests.support.workbooks import (
    blocks,
    breakdown_mismatches,
    expected,
    figure_rows,
    place_mismatches,
    section_figures,
)

AS_OF, TYPED = "2025-05-31", "31/05/2025"
COMMUNE_OFFICER = make_token("commune_officer", user_id="commune-officer-1")  # of 03388
OUTSIDER = make_token("commune_officer", communes=("03391",), user_id="officer-of-03391")
FOLLOWERS = ("health", "education", "protection", "reporting")


@pytest.fixture
def children(registry_container, health_container, education_container, protection_container,
             reporting_container) -> dict[str, str]:
    followers = (health_container, education_container, protection_container, reporting_container)

    def register(method: str, record: dict, event: str) -> None:
        write_and_wait(registry_container, method, [record],
                       [(c, f"handle_registry_{event}") for c in followers])

    ids = {}
    for name, born, commune in (("A", "2025-01-10", "03388"), ("C", "2023-03-01", "03388"),
                                ("D", "2021-03-15", "03388"), ("K", "2020-08-01", "03391")):
        birth = make_birth(date_of_birth=born, registration_date=born, full_name=f"Trẻ {name}",
                           commune_code=commune)
        register("register_birth", birth, "birth_registered")
        ids[name] = birth["child_id"]
    for name, issued, valid_to in (("A", "2025-01-20", "2031-01-09"), ("C", "2023-03-15", "2025-03-31"),
                                   ("D", "2021-04-01", "2027-03-14")):
        register("issue_insurance_card", make_card(ids[name], issued_on=issued, valid_to=valid_to),
                 "insurance_card_issued")
    for name, day, kg, cm, position in (("A", "2025-05-01", 6.4, 62.0, "lying"),
                                        ("C", "2025-02-15", 11.5, 86.0, "lying"),
                                        ("D", "2025-03-01", 16.0, 102.0, "standing")):
        write_and_wait(health_container, "record_growth", [make_growth(
            ids[name], measured_on=day, weight_kg=kg, length_height_cm=cm, position=position)],
            [(reporting_container, "handle_health_growth_measured")])
    with entrypoint_waiter(reporting_container, "handle_protection_special_circumstance_recorded"):
        call(protection_container, "record_special_circumstance",
             make_special_circumstance(ids["D"], started_on="2024-10-01"))
    return ids


def download(container, path: str, token: str | None, **params) -> requests.Response:
    host = container.config["WEB_SERVER_ADDRESS"]
    return requests.get(f"http://{host}{path}", params=params, headers=bearer(token) if token else {},
                        timeout=30)


def opened(response: requests.Response):
    return load_workbook(BytesIO(response.content))


def test_every_number_of_the_province_workbook_equals_the_json_and_the_hand_count(children,
                                                                                   reporting_container):
    response = download(reporting_container, "/reports/12/2025-H1.xlsx", everyone(), as_of=TYPED, by="sex")
    assert (response.status_code, response.headers["Content-Disposition"]) == (
        200, 'attachment; filename="bao-cao-12-2025-H1.xlsx"')
    report = call(reporting_container, "indicators", "12", AS_OF, "2025-H1", True, ["sex"])
    book = opened(response)
    assert book.sheetnames[0] == "Tổng hợp" and book.sheetnames[-2:] == ["Theo xã, phường", "Theo giới tính"]
    shown = section_figures(book)
    declared = catalogue().by_id(date.fromisoformat(AS_OF))
    assert shown == {key: expected(figure) for key, figure in report["indicators"].items()
                     if not (declared[key].hide_zero and figure["numerator"] == 0)}  # as the page
    headline = figure_rows(book["Tổng hợp"])
    assert (headline["package_insurance_card"], headline["package_growth_measured"]) == ((2, 4, 0.5),
                                                                                        (3, 4, 0.75))
    assert figure_rows(book["Hộ tịch, BHYT"])["under5_registered"] == (4, None, None)


def test_the_communes_and_breakdown_sheets_equal_the_json_and_the_hand_count(children, reporting_container):
    book = opened(download(reporting_container, "/reports/12/2025-H1.xlsx", everyone(), as_of=TYPED,
                           by="sex"))
    report = call(reporting_container, "indicators", "12", AS_OF, "2025-H1", True, ["sex"])
    sheet = book["Theo xã, phường"]
    assert place_mismatches(sheet, report) == []
    under5 = next(columns[0] for code, columns in blocks(sheet, 4) if code == "under5_registered")
    by_code = {row[1]: row[under5 - 1] for row in sheet.iter_rows(min_row=12, values_only=True) if row[1]}
    assert [by_code[code] for code in ("03388", "03391", "12")] == [3, 1, 4]
    assert breakdown_mismatches(book["Theo giới tính"], report["breakdowns"]["sex"]) == []


def test_the_commune_officer_downloads_the_communes_csv_and_not_anothers_workbook(children,
                                                                                   reporting_container):
    own = download(reporting_container, "/reports/03388/2025-H1.csv", COMMUNE_OFFICER, as_of=TYPED)
    assert (own.status_code, own.headers["Content-Type"]) == (200, "text/csv; charset=utf-8")
    lines = own.content.decode("utf-8-sig").split("\r\n")
    assert [line for line in lines if ",package_insurance_card," in line or ",special_circumstances_0_8," in
            line] == [
        "03388,Phường Quyết Tiến,Gói dịch vụ theo độ tuổi,package_insurance_card,"
        "Thành phần: Có thẻ BHYT còn hạn (dưới 6 tuổi),2,3,66.67,,,",
        "03388,Phường Quyết Tiến,\"Bảo vệ trẻ em, trợ giúp xã hội\",special_circumstances_0_8,"
        "Trẻ 0-8 tuổi có hoàn cảnh đặc biệt,<5,<5,,,,"]  # 1 of 3 children
    refused = download(reporting_container, "/reports/03388/2025-H1.xlsx", OUTSIDER, as_of=TYPED)
    assert (refused.status_code, refused.json()["error"]) == (403, "Forbidden")
    assert download(reporting_container, "/reports/03388/2025-H1.xlsx", None, as_of=TYPED).status_code == 401


def test_a_bad_period_is_a_400_naming_it(reporting_container):
    response = download(reporting_container, "/reports/12/2025-Q5.xlsx", everyone())
    assert (response.status_code, list(response.json()["errors"])) == (400, ["period"])
