"""Programme figures that are not child events, on the running reporting service (real RabbitMQ and
PostgreSQL): an officer enters a commune's totals for a period, corrects them with a reason (the
history keeps every version, who, when and why), a retry answers the same, bad input and foreign
communes store nothing; an area's figures are the sum of its communes on either map, and the
indicators report them beside the child figures."""

import eventlet
import pytest
from sqlalchemy import func, select

from services.reporting.orm import AuditEntry
from services.reporting.sources.programme.tables import ProgrammeEntry, ProgrammeRecord
from shared.exceptions import Conflict, Forbidden, Unauthenticated, ValidationFailed
from tests.support.factories import COMMUNE, make_token
from tests.support.hooks import call
from tests.support.identities import cluster_proxy

OFFICER = make_token("commune_officer", user_id="officer-03388", purpose="monitoring")
PROVINCE = make_token("province_officer", communes=("12",), user_id="province-12", purpose="monitoring")
NEIGHBOUR_WARD = "03408"  # another ward of Lai Châu (2025 map)
OLD_DISTRICT = "105"  # Thành phố Lai Châu (legacy map): communes 03386 03387 03388 03389 03403 03408 03409


def figures(record_id: str = "prog-1", commune_code: str = COMMUNE, period: str = "2026-H1",
            reason: str | None = None, **values: int) -> dict:
    values = values or {"staff_trained": 12, "staff_total": 40, "parents_trained": 150,
                        "parents_total": 600, "communication_sessions": 4}
    return {"record_id": record_id, "commune_code": commune_code, "period": period, "values": values,
            "reason": reason}


def stored_rows(db) -> tuple[int, int]:
    db.rollback()
    return (db.scalar(select(func.count()).select_from(ProgrammeEntry)),
            db.scalar(select(func.count()).select_from(ProgrammeRecord)))


def test_an_officer_enters_the_communes_totals_and_reads_them_back(reporting_container):
    answer = call(reporting_container, "record_programme_figures", figures(), as_token=OFFICER)
    assert answer == {"record_id": "prog-1", "commune_code": COMMUNE, "period": "2026-H1", "map": "2025",
                      "stored": {"communication_sessions": {"value": 4, "version": 1},
                                 "parents_total": {"value": 600, "version": 1},
                                 "parents_trained": {"value": 150, "version": 1},
                                 "staff_total": {"value": 40, "version": 1},
                                 "staff_trained": {"value": 12, "version": 1}},
                      "unchanged": []}
    read = call(reporting_container, "programme_figures", COMMUNE, "2026-H1", as_token=OFFICER)
    assert read["values"]["staff_trained"] == {"value": 12, "communes_reporting": 1}
    assert read["indicators"]["staff_parents_trained"] == {"numerator": 162, "denominator": 640,
                                                           "value": 0.2531, "communes_reporting": 1}


def test_a_correction_replaces_the_value_and_the_history_keeps_every_version_with_who_when_and_why(
        reporting_container, reporting_db):
    call(reporting_container, "record_programme_figures", figures(), as_token=OFFICER)
    corrected = call(reporting_container, "record_programme_figures",
                     figures("prog-2", reason="Sổ tập huấn quý 2 bị sót 3 người", staff_trained=15,
                             staff_total=40), as_token=PROVINCE)
    assert (corrected["stored"], corrected["unchanged"]) == ({"staff_trained": {"value": 15, "version": 2}},
                                                             ["staff_total"])
    history = call(reporting_container, "programme_history", COMMUNE, "2026-H1", as_token=OFFICER)
    staff = [h for h in history["history"] if h["figure"] == "staff_trained"]
    assert [(h["value"], h["version"], h["current"], h["replaced_by_version"], h["entered_by"], h["reason"],
             h["record_id"]) for h in staff] == [
        (12, 1, False, 2, {"user_id": "officer-03388", "system": "tests"}, None, "prog-1"),
        (15, 2, True, None, {"user_id": "province-12", "system": "tests"}, "Sổ tập huấn quý 2 bị sót 3 người",
         "prog-2")]
    assert staff[0]["entered_at"] < staff[1]["entered_at"]
    assert history["current"] == {"communication_sessions": 4, "parents_total": 600, "parents_trained": 150,
                                  "staff_total": 40, "staff_trained": 15}
    assert stored_rows(reporting_db) == (6, 2)  # nothing deleted: the first version is still there
    read = call(reporting_container, "programme_figures", COMMUNE, "2026-H1", as_token=OFFICER)
    assert read["indicators"]["staff_trained"]["numerator"] == 15


def test_a_correction_without_a_reason_is_refused_and_stores_nothing(reporting_container, reporting_db):
    call(reporting_container, "record_programme_figures", figures(), as_token=OFFICER)
    with pytest.raises(ValidationFailed) as refused:
        call(reporting_container, "record_programme_figures", figures("prog-2", staff_trained=15),
             as_token=OFFICER)
    assert refused.value.errors == {"reason": ["A correction of staff_trained (12 → 15) needs a reason."]}
    assert stored_rows(reporting_db) == (5, 1)


def test_a_retry_with_the_same_record_id_answers_the_same_and_other_figures_under_it_conflict(
        reporting_container, reporting_db):
    first = call(reporting_container, "record_programme_figures", figures(), as_token=OFFICER)
    assert call(reporting_container, "record_programme_figures", figures(), as_token=OFFICER) == first
    with pytest.raises(Conflict, match="Record prog-1 was already used for other figures."):
        call(reporting_container, "record_programme_figures", figures(staff_trained=13, staff_total=40),
             as_token=OFFICER)
    assert stored_rows(reporting_db) == (5, 1)


@pytest.mark.parametrize("record, errors", [
    (figures(staff_trainde=3), {"values.staff_trainde": [
        "Unknown figure; known: staff_trained, staff_total, parents_trained, parents_total, "
        "communication_sessions, referral_network_working."]}),
    (figures(communication_sessions=-2), {"values.communication_sessions": [
        "Must be between 0 and 100000."]}),
    (figures(parents_trained=601, parents_total=600), {
        "values.parents_trained": ["parents_trained (601) must not exceed parents_total (600)."],
        "values.parents_total": ["parents_trained (601) must not exceed parents_total (600)."]}),
    (figures(period="2026-H3"), {"period": [
        "Must be a year (2026), a half-year (2026-H1) or a quarter (2026-Q3)."]}),
    (figures(commune_code="3388"), {"commune_code": ["Must be 5 digits."]}),
    (figures(commune_code="03391", period="2026"), {"commune_code": [
        "No commune 03391 on the 2025 map in force on 2026-12-31."]}),
    ({**figures(), "values": {}}, {"values": ["Length must be between 1 and 20."]}),
])
def test_bad_figures_are_refused_naming_the_field_and_store_nothing(reporting_container, reporting_db,
                                                                     record, errors):
    with pytest.raises(ValidationFailed) as refused:
        call(reporting_container, "record_programme_figures", record, as_token=PROVINCE)
    assert refused.value.errors == errors
    assert stored_rows(reporting_db) == (0, 0)


def test_a_commune_outside_the_officers_areas_or_a_token_without_the_right_stores_nothing_and_is_audited(
        reporting_container, reporting_db):
    with pytest.raises(Forbidden, match=r"Commune 03408 \(commune_code\) lies outside the token's areas"):
        call(reporting_container, "record_programme_figures", figures(commune_code=NEIGHBOUR_WARD),
             as_token=OFFICER)
    with pytest.raises(Forbidden, match="write:programme needs one of the roles commune_officer, "
                                        "district_officer, province_officer"):
        call(reporting_container, "record_programme_figures", figures(),
             as_token=make_token("health_worker", user_id="nurse-1"))
    with pytest.raises(Unauthenticated):
        call(reporting_container, "record_programme_figures", figures(), as_token="")
    assert stored_rows(reporting_db) == (0, 0)
    log = reporting_db.scalars(select(AuditEntry).order_by(AuditEntry.id))
    assert [(e.user_id, e.action, e.outcome, e.case_id) for e in log] == [
        ("officer-03388", "record_programme_figures", "refused", "03408/2026-H1"),
        ("nurse-1", "record_programme_figures", "refused", "03388/2026-H1"),
        ("unauthenticated", "record_programme_figures", "refused", "03388/2026-H1")]


def test_a_write_and_a_history_read_are_audited(reporting_container, reporting_db):
    call(reporting_container, "record_programme_figures", figures(), as_token=OFFICER)
    call(reporting_container, "programme_history", COMMUNE, "2026-H1", as_token=PROVINCE)
    reporting_db.rollback()
    log = reporting_db.scalars(select(AuditEntry).order_by(AuditEntry.id))
    assert [(e.user_id, e.action, e.outcome, e.case_id) for e in log] == [
        ("officer-03388", "record_programme_figures", "granted", "03388/2026-H1"),
        ("province-12", "programme_history", "granted", "03388/2026-H1")]


def enter(container, commune: str, period: str, number: int, **values: int) -> None:
    call(container, "record_programme_figures", figures(f"prog-{commune}-{period}-{number}", commune, period,
                                                        **values), as_token=PROVINCE)


def test_a_legacy_district_total_is_the_sum_of_its_communes_and_the_2025_ward_gathers_its_old_communes(
        reporting_container):
    for number, commune in enumerate(("03386", "03387", "03388", "03389")):
        enter(reporting_container, commune, "2025-H1", number, staff_trained=number + 1, staff_total=10,
              communication_sessions=number * 2)
    enter(reporting_container, "03391", "2025-H1", 9, communication_sessions=100)  # another district
    communes = [call(reporting_container, "programme_figures", c, "2025-H1", as_token=PROVINCE)["values"]
                for c in ("03386", "03387", "03388", "03389")]
    district = call(reporting_container, "programme_figures", OLD_DISTRICT, "2025-H1", as_token=PROVINCE)
    assert district["area"] == {"code": OLD_DISTRICT, "level": "district", "map": "legacy",
                                "name": "Thành phố Lai Châu", "parents": []}
    assert district["values"] == {
        "staff_trained": {"value": sum(c["staff_trained"]["value"] for c in communes),
                          "communes_reporting": 4},
        "staff_total": {"value": 40, "communes_reporting": 4},
        "communication_sessions": {"value": 12, "communes_reporting": 4}}
    assert district["values"]["staff_trained"]["value"] == 10
    assert district["indicators"]["staff_trained"] == {"numerator": 10, "denominator": 40, "value": 0.25,
                                                       "communes_reporting": 4}
    province = call(reporting_container, "programme_figures", "12", "2025-H1", as_token=PROVINCE)
    assert province["values"]["communication_sessions"] == {"value": 112, "communes_reporting": 5}
    on_2025_map = call(reporting_container, "programme_figures", "12", "2025-H1", "2025", as_token=PROVINCE)
    assert [(c["code"], c["values"]["communication_sessions"]["value"]) for c in on_2025_map["communes"]] == [
        ("03388", 110), ("03408", 2)]  # 03386, 03388, 03389 and 03391 merged into ward 03388


def test_a_2025_province_total_is_the_sum_of_its_wards(reporting_container):
    enter(reporting_container, "03388", "2026-Q1", 1, parents_trained=50, parents_total=200)
    enter(reporting_container, "03408", "2026-Q1", 2, parents_trained=30, parents_total=100)
    province = call(reporting_container, "programme_figures", "12", "2026-Q1", as_token=PROVINCE)
    assert province["area"]["map"] == "2025"
    assert province["indicators"]["parents_trained"] == {"numerator": 80, "denominator": 300,
                                                         "value": 0.2667, "communes_reporting": 2}
    assert province["values"]["parents_total"] == {"value": 300, "communes_reporting": 2}


def test_the_indicators_report_the_programme_figures_beside_the_child_figures(reporting_container):
    enter(reporting_container, "03388", "2026-Q1", 1, staff_trained=6, staff_total=20, parents_trained=40,
          parents_total=100, communication_sessions=3, referral_network_working=1)
    enter(reporting_container, "03388", "2026-Q2", 2, staff_trained=9, staff_total=20, parents_trained=50,
          parents_total=100, communication_sessions=5, referral_network_working=1)
    enter(reporting_container, "03408", "2026-H1", 3, staff_trained=5, staff_total=10,
          communication_sessions=2, referral_network_working=0)
    enter(reporting_container, "03408", "2026-Q3", 4, communication_sessions=7)  # after the report's period
    report = call(reporting_container, "indicators", "12", "2026-06-30", None, True, as_token=PROVINCE)
    found = report["indicators"]
    assert found["staff_trained"] == {"numerator": 14, "denominator": 30, "value": 0.4667,
                                      "communes_reporting": 2}
    assert found["parents_trained"] == {"numerator": 50, "denominator": 100, "value": 0.5,
                                        "communes_reporting": 1}
    assert found["staff_parents_trained"] == {"numerator": 64, "denominator": 130, "value": 0.4923,
                                              "communes_reporting": 2}
    assert found["communication_sessions"] == {"numerator": 10, "denominator": None, "value": 10,
                                               "communes_reporting": 2}
    assert found["declared_referral_network"] == {"numerator": 1, "denominator": 2, "value": 0.5,
                                                  "communes_reporting": 2}
    assert "birth_registration_on_time" in found  # beside the child figures
    ward = next(c for c in report["communes"] if c["code"] == "03408")
    assert ward["indicators"]["communication_sessions"]["value"] == 2
    commune = call(reporting_container, "indicators", "03388", "2026-06-30", as_token=OFFICER)
    assert commune["indicators"]["communication_sessions"]["value"] == 8


def test_two_officers_correcting_one_figure_at_once_take_turns_and_leave_one_current_version(
        reporting_container):
    call(reporting_container, "record_programme_figures", figures(), as_token=OFFICER)

    def correct(n: int) -> dict:  # over the broker: two workers of the service at once
        with cluster_proxy({"AMQP_URI": reporting_container.config["AMQP_URI"]}, PROVINCE, timeout=30) as rpc:
            return rpc.reporting.record_programme_figures(
                figures(f"fix-{n}", reason=f"recount {n}", communication_sessions=5 + n))

    answers = [green.wait() for green in [eventlet.spawn(correct, n) for n in (1, 2)]]
    assert sorted(a["stored"]["communication_sessions"]["version"] for a in answers) == [2, 3]
    history = call(reporting_container, "programme_history", COMMUNE, "2026-H1", as_token=OFFICER)
    assert [(h["version"], h["current"]) for h in history["history"]
            if h["figure"] == "communication_sessions"] == [(1, False), (2, False), (3, True)]


def test_an_officer_reads_neither_the_figures_nor_the_history_of_another_commune(reporting_container):
    there = make_token("commune_officer", communes=(NEIGHBOUR_WARD,), user_id="officer-03408")
    call(reporting_container, "record_programme_figures", figures(), as_token=OFFICER)
    for method, args in (("programme_figures", (COMMUNE, "2026-H1")), ("programme_figures", ("12", "2026")),
                         ("programme_history", (COMMUNE, "2026-H1"))):
        with pytest.raises(Forbidden, match="outside the token's areas \\(03408\\)"):
            call(reporting_container, method, *args, as_token=there)
    with pytest.raises(ValidationFailed) as refused:
        call(reporting_container, "programme_figures", "1234", "2026", as_token=PROVINCE)
    assert refused.value.errors == {"area_code": ["Must be 2, 3 or 5 digits."]}
