"""Programme figures over HTTP on the running reporting service: the form an officer opens for one
commune and period (Vietnamese labels, current values filled in), a post from it, and a CSV upload
whose rows are stored or refused record by record, each refusal naming its typed error and fields."""

import requests

from tests.support.factories import COMMUNE, make_token
from tests.support.hooks import call
from tests.support.identities import bearer

OFFICER = make_token("commune_officer", user_id="officer-03388", purpose="monitoring")
PROVINCE = make_token("province_officer", communes=("12",), user_id="province-12", purpose="monitoring")


def url(container, path: str) -> str:
    return f"http://{container.config['WEB_SERVER_ADDRESS']}{path}"


def test_the_form_shows_each_figure_in_vietnamese_with_the_current_value_filled_in(reporting_container):
    call(reporting_container, "record_programme_figures",
         {"record_id": "p-1", "commune_code": COMMUNE, "period": "2026-H1",
          "values": {"communication_sessions": 7}}, as_token=OFFICER)
    page = requests.get(url(reporting_container, "/programme/form"), params={"commune": COMMUNE,
                        "period": "2026-H1"}, headers=bearer(OFFICER), timeout=10)
    assert (page.status_code, page.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert "Phường Đoàn Kết (03388), 2026-H1" in page.text
    assert "Số buổi truyền thông về chăm sóc phát triển toàn diện trẻ em đã tổ chức" in page.text
    assert 'name=communication_sessions value="7"' in page.text
    assert 'name=staff_trained value=""' in page.text


def test_the_form_needs_a_token_that_may_write_for_the_commune(reporting_container):
    params = {"commune": COMMUNE, "period": "2026-H1"}
    form = url(reporting_container, "/programme/form")
    assert requests.get(form, params=params, timeout=10).status_code == 401
    foreign = make_token("commune_officer", communes=("03408",), user_id="officer-03408")
    assert requests.get(form, params=params, headers=bearer(foreign), timeout=10).status_code == 403
    nurse = make_token("health_worker", user_id="nurse-1")
    assert requests.get(form, params=params, headers=bearer(nurse), timeout=10).status_code == 403
    bad = requests.get(form, params={"commune": COMMUNE, "period": "2026-7"}, headers=bearer(OFFICER),
                       timeout=10)
    assert bad.status_code == 400 and "Must be a year (2026)" in bad.text


def test_a_post_from_the_form_stores_the_filled_in_figures_and_answers_a_page(reporting_container):
    sent = {"commune": COMMUNE, "period": "2026-H1", "record_id": "form-1", "format": "html",
            "staff_trained": "8", "staff_total": "20", "parents_trained": "", "reason": ""}
    answer = requests.post(url(reporting_container, "/programme"), data=sent, headers=bearer(OFFICER),
                           timeout=10)
    assert answer.status_code == 200
    assert "Đã lưu 2, bị từ chối 0 / stored 2, refused 0" in answer.text
    history = call(reporting_container, "programme_history", COMMUNE, "2026-H1", as_token=OFFICER)
    assert history["current"] == {"staff_trained": 8, "staff_total": 20}


CSV = """commune,period,figure,value,reason
03388,2026-Q1,staff_trained,10,
03388,2026-Q1,staff_total,30,
03408,2026-Q1,parents_trained,90,
03408,2026-Q1,parents_total,80,
03408,2026-Q2,communication_sessions,many,
03394,2026-Q1,communication_sessions,-1,
00004,2026-Q1,communication_sessions,2,
"""


def test_a_csv_upload_answers_which_rows_were_stored_and_which_refused_with_their_errors(reporting_container):
    answer = requests.post(url(reporting_container, "/programme"), data=CSV.encode(),
                           headers={**bearer(PROVINCE), "Content-Type": "text/csv"}, timeout=10).json()
    assert [(r["row"], r["figure"], r["value"], r["version"]) for r in answer["stored"]] == [
        (2, "staff_trained", 10, 1), (3, "staff_total", 30, 1)]
    assert [(r["row"], r["error"], r["errors"]) for r in answer["refused"]] == [
        (4, "ValidationFailed", {"values.parents_trained": ["parents_trained (90) must not exceed "
                                                            "parents_total (80)."],
                                 "values.parents_total": ["parents_trained (90) must not exceed "
                                                          "parents_total (80)."]}),
        (5, "ValidationFailed", {"values.parents_trained": ["parents_trained (90) must not exceed "
                                                            "parents_total (80)."],
                                 "values.parents_total": ["parents_trained (90) must not exceed "
                                                          "parents_total (80)."]}),
        (6, "ValidationFailed", {"values.communication_sessions": ["Must be a whole number."]}),
        (7, "ValidationFailed", {"values.communication_sessions": ["Must be between 0 and 100000."]}),
        (8, "Forbidden", {"commune_code": ["Commune 00004 (commune_code) lies outside the token's areas "
                                           "(12)."]})]
    again = requests.post(url(reporting_container, "/programme"), data=CSV.encode(),
                          headers={**bearer(PROVINCE), "Content-Type": "text/csv"}, timeout=10).json()
    assert again["stored"] == answer["stored"]  # the same file again: the same answer, nothing new
    history = call(reporting_container, "programme_history", COMMUNE, "2026-Q1", as_token=PROVINCE)
    assert [(h["figure"], h["value"], h["version"]) for h in history["history"]] == [
        ("staff_total", 30, 1), ("staff_trained", 10, 1)]


def test_a_csv_file_uploaded_as_multipart_is_read_too_and_a_post_without_a_token_stores_nothing(
        reporting_container):
    target = url(reporting_container, "/programme")
    refused = requests.post(target, files={"file": ("figures.csv", CSV.encode())}, timeout=10)
    assert (refused.status_code, refused.json()["error"]) == (401, "Unauthenticated")
    upload = requests.post(target, files={"file": ("figures.csv", "\ufeff" + CSV.splitlines()[0] + "\n"
                                                   + CSV.splitlines()[1] + "\n")},
                           headers=bearer(OFFICER), timeout=10)
    assert [(r["figure"], r["value"]) for r in upload.json()["stored"]] == [("staff_trained", 10)]
    unreadable = requests.post(target, data=b"figure;value\nstaff_trained;3\n",
                               headers={**bearer(OFFICER), "Content-Type": "text/csv"}, timeout=10)
    assert unreadable.status_code == 400
    assert unreadable.json() == {"errors": {"file": [
        "The header must name the columns commune, period, figure, value (and may name reason); missing: "
        "commune, period, figure, value."]}}
