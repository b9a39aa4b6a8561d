"""Civil registration's list of the children known only provisionally (issue 18), through the
reporting service: its RPC and its CSV for an officer of the commune, refused to another commune's,
and emptied by the link to the registered birth (the child view then answers the child it now is)."""

from datetime import timedelta

import pytest
import requests

from services.reporting.orm import ReportingBase
from services.reporting.use_cases import apply_event
from shared.exceptions import Forbidden
from shared.plumbing.metrics import service_metrics
from tests.support.factories import COMMUNE, make_token, personal_id
from tests.support.hooks import call
from tests.support.identities import bearer
from tests.support.provisional import BORN, birth, dose, link, provisional_record

NEIGHBOUR = "03391"
OFFICER_HERE = make_token("commune_officer", user_id="officer-of-03388", purpose="monitoring")
OFFICER_THERE = make_token("commune_officer", communes=(NEIGHBOUR,), user_id="officer-of-03391",
                           purpose="monitoring")
AUDITOR = make_token("auditor", communes=(), user_id="auditor-1", purpose="quarterly audit")
AS_OF = BORN + timedelta(days=64)  # 6 May 2025: the newborn's 60 days have passed
RECORD = provisional_record()
P = RECORD["child_id"]
TWIN = provisional_record("health", "prov-twin", full_name="Lò Thị Lan", sex="female",
                          date_of_birth=BORN + timedelta(days=30), date_of_birth_estimated=True,
                          mother_name=None, carer_name="Lò Văn Tính", recorded_on=BORN + timedelta(days=31))
ELSEWHERE = provisional_record("education", "prov-elsewhere", commune_code=NEIGHBOUR)
CHILD = personal_id("male", BORN)


@pytest.fixture
def db(reporting_db, reporting_container):
    ReportingBase.metadata.create_all(reporting_db.get_bind())
    for envelope in (RECORD, dose(P, "dose-1"), TWIN, ELSEWHERE):
        apply_event(reporting_db, envelope, service_metrics("reporting"))
    return reporting_db


def get_csv(container, token: str) -> requests.Response:
    host = container.config["WEB_SERVER_ADDRESS"]
    return requests.get(f"http://{host}/children/not-registered.csv",
                        params={"commune": COMMUNE, "as_of": "06/05/2025"}, headers=bearer(token), timeout=10)


def test_the_commune_officer_lists_the_children_not_yet_registered(db, reporting_container):
    rows = call(reporting_container, "children_not_registered", COMMUNE, AS_OF.isoformat(),
                as_token=OFFICER_HERE)
    assert rows == [
        {"provisional_id": P, "name_or_label": "con của Lò Thị Hoa", "sex": "male",
         "date_of_birth": "2025-03-03", "date_of_birth_estimated": False, "mother_or_carer": "Lò Thị Hoa",
         "met_by": "health", "met_on": "2025-03-03", "days_since_birth": 64, "deadline_passed": True},
        {"provisional_id": TWIN["child_id"], "name_or_label": "Lò Thị Lan", "sex": "female",
         "date_of_birth": "2025-04-02", "date_of_birth_estimated": True, "mother_or_carer": "Lò Văn Tính",
         "met_by": "health", "met_on": "2025-04-03", "days_since_birth": 34, "deadline_passed": False}]


def test_the_list_downloads_as_csv_and_is_refused_to_another_communes_officer(db, reporting_container):
    answer = get_csv(reporting_container, OFFICER_HERE)
    assert (answer.status_code, answer.text) == (200, (
        "\ufeffMã tạm (provisional_id),Họ tên hoặc nhãn (name_or_label),Giới tính (sex),"
        "Ngày sinh (date_of_birth),Mẹ / người chăm sóc (mother_or_carer),Ngành gặp trước (met_by),"
        "Số ngày từ khi sinh (days_since_birth),Quá hạn 60 ngày (deadline_passed)\r\n"
        f"{P},con của Lò Thị Hoa,Nam,03/03/2025,Lò Thị Hoa,Y tế,64,Có\r\n"
        f"{TWIN['child_id']},Lò Thị Lan,Nữ,02/04/2025 (ước tính / estimated),Lò Văn Tính,Y tế,34,Không\r\n"))
    assert get_csv(reporting_container, OFFICER_THERE).status_code == 403
    with pytest.raises(Forbidden):
        call(reporting_container, "children_not_registered", COMMUNE, AS_OF.isoformat(),
             as_token=OFFICER_THERE)
    log = call(reporting_container, "audit_log", as_token=AUDITOR)
    assert [(e["user_id"], e["outcome"]) for e in log if e["action"] == "read_not_registered"] == [
        ("officer-of-03391", "refused"), ("officer-of-03391", "refused"), ("officer-of-03388", "granted")]


def test_the_link_to_the_registered_birth_takes_the_child_off_the_list_and_the_view_answers_the_child(
        db, reporting_container):
    before = call(reporting_container, "child_view", P, as_token=OFFICER_HERE)
    assert (before["child_id"], before["registered"], before["provisional"], before["met_by"],
            "asked_for" in before) == (P, False, True, "health", False)
    for envelope in (birth(CHILD), link(P, CHILD, linked_on=BORN + timedelta(days=40))):
        apply_event(db, envelope, service_metrics("reporting"))
    rows = call(reporting_container, "children_not_registered", COMMUNE, AS_OF.isoformat(),
                as_token=OFFICER_HERE)
    assert [r["provisional_id"] for r in rows] == [TWIN["child_id"]]
    view = call(reporting_container, "child_view", P, as_token=OFFICER_HERE)
    assert (view["child_id"], view["asked_for"], view["registered"], view["provisional"],
            view["merged_ids"], view["full_name"]) == (CHILD, P, True, False, [P], "Lò Văn Minh")
    assert view["health"]["doses"] == [{"record_id": "dose-1", "antigen": "hepb_birth", "dose": 1,
                                        "given_on": "2025-03-03", "valid": True, "reason": None,
                                        "counts_as": 1}]
    assert call(reporting_container, "child_view", CHILD, as_token=OFFICER_HERE)["merged_ids"] == [P]


def test_that_protection_met_a_child_first_is_shown_only_to_a_protection_officer_of_its_commune(
        reporting_db, reporting_container):
    """An abandoned newborn, met first by protection: the registrar sees the child, not who met it."""
    ReportingBase.metadata.create_all(reporting_db.get_bind())
    found = provisional_record("protection", "prov-abandoned", full_name=None, mother_name="không rõ")
    apply_event(reporting_db, found, service_metrics("reporting"))
    child_id = found["child_id"]

    def met(token):
        [row] = call(reporting_container, "children_not_registered", COMMUNE, AS_OF.isoformat(),
                     as_token=token)
        view = call(reporting_container, "child_view", child_id, as_token=token)
        return (row["met_by"], row["met_on"], view["met_by"], view["met_on"])

    assert met(OFFICER_HERE) == (None, None, None, None)
    assert met(make_token(user_id="po-03388")) == ("protection", "2025-03-03", "protection", "2025-03-03")
