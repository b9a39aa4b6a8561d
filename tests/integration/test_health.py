"""Health on the real RabbitMQ and PostgreSQL: the registry's children reach health and reporting,
health records reach reporting, and each health indicator equals a hand count on a small cohort
(disability screening small-cell suppressed, as protection's counts are)."""

from datetime import date

import pytest
import requests
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select

from services.health.orm import OutboxMessage, Record
from shared.exceptions import ValidationFailed
from shared.rules.growth import assess
from tests.support.factories import (
    make_birth,
    make_death,
    make_growth,
    make_health_check,
    make_screening,
    make_vaccination,
)
from tests.support.figures import parts
from tests.support.hooks import call, write_and_wait
from tests.support.identities import bearer, everyone

AS_OF, YEAR = "2024-12-31", {"start": "2024-01-01", "end": "2024-12-31"}
INFANT_SERIES = ("dtp_hepb_hib", "opv")


@pytest.fixture
def platform(registry_container, health_container, reporting_container):
    def register(method, record):
        event = {"register_birth": "birth_registered", "record_death": "death_recorded"}[method]
        return write_and_wait(registry_container, method, [record],
                              [(health_container, f"handle_registry_{event}"),
                               (reporting_container, f"handle_registry_{event}")])

    def record(method, record):
        event = {"record_vaccination": "vaccination_recorded", "record_growth": "growth_measured",
                 "record_screening": "screening_recorded",
                 "record_health_check": "health_check_recorded"}[method]
        return write_and_wait(health_container, method, [record],
                              [(reporting_container, f"handle_health_{event}")])

    return register, record


def born(sex, day, **extra):
    return make_birth(sex=sex, date_of_birth=day, registration_date=day, **extra)


def infant_doses(child_id, dates, last_dose_of_series=3):
    return [make_vaccination(child_id, antigen=antigen, dose=n, given_on=day)
            for antigen in INFANT_SERIES for n, day in enumerate(dates[:last_dose_of_series], start=1)]


def test_each_health_indicator_equals_a_hand_count(platform, reporting_container):
    register, record = platform
    a, b, c = born("female", "2023-03-01"), born("male", "2023-06-15"), born("female", "2023-09-10")
    dead, d = born("male", "2023-04-01"), born("male", "2022-05-01")
    e, f = born("female", "2020-02-01"), born("male", "2019-01-10")
    for child in (a, b, c, dead, d, e, f):
        register("register_birth", child)
    register("record_death", make_death(dead["child_id"], date_of_death="2024-06-01"))

    doses = [
        *infant_doses(a["child_id"], ["2023-05-01", "2023-06-01", "2023-07-01"]),
        make_vaccination(a["child_id"], antigen="measles", given_on="2023-12-01"),
        *infant_doses(b["child_id"], ["2023-08-20"], last_dose_of_series=1),  # drops out after dose 1
        make_vaccination(c["child_id"], given_on="2023-10-01"),  # 21 days old: too early, kept invalid
        *infant_doses(c["child_id"], ["2023-11-15", "2023-12-20", "2024-01-25"]),
        make_vaccination(c["child_id"], antigen="measles", given_on="2024-09-09"),  # day before 1st birthday
        *infant_doses(dead["child_id"], ["2023-06-01", "2023-07-01", "2023-08-01"]),
        *[make_vaccination(child["child_id"], antigen="bcg", given_on=child["date_of_birth"])
          for child in (a, b, c, dead)],
    ]
    answers = [record("record_vaccination", dose) for dose in doses]
    assert [x["valid"] for x in answers].count(False) == 1

    measurements = [  # (child, day, kg, cm): B's early stunted length is not its latest
        (a, "2024-02-01", 8.5, 74.0), (a, "2024-06-01", 8.6, 71.0), (b, "2024-01-10", 8.0, 64.0),
        (b, "2024-10-01", 10.0, 80.0), (d, "2024-05-01", 30.0, 87.0), (f, "2024-03-01", 14.0, 110.0)]
    for child, day, kg, cm in measurements:
        position = "lying" if child is not f else "standing"
        record("record_growth", make_growth(child["child_id"], measured_on=day, weight_kg=kg,
                                            length_height_cm=cm, position=position))
    record("record_health_check", make_health_check(e["child_id"], checked_on="2024-05-01"))
    record("record_screening", make_screening(e["child_id"], result="suspected", screened_on="2024-05-01"))
    record("record_screening", make_screening(a["child_id"], screened_on="2024-05-01"))
    record("record_screening", make_screening(e["child_id"], kind="disability", result="suspected",
                                              screened_on="2024-05-01"))

    assert_the_fixture_is_what_the_hand_count_assumes(a, b, d, f)
    report = call(reporting_container, "indicators", "03388", AS_OF, YEAR)["indicators"]
    hand_count = {  # cohort turning 12 months in 2024, alive on 31/12: A, B, C
        "fully_immunised_by_12m": (2, 3),  # A and C (C's measles the day before its birthday)
        "coverage_bcg_1": (3, 3),
        "coverage_dtp_hepb_hib_1": (3, 3),  # C's too-early dose does not count, its next one does
        "coverage_dtp_hepb_hib_3": (2, 3),
        "coverage_measles_1": (2, 3),
        "dtp_hepb_hib_dropout_1_to_3": (1, 3),  # B
        "growth_monitoring_under5": (3, 5),  # A, B, D measured; under 5: A, B, C, D, E
        "stunting_under5": (1, 3),  # latest valid length: A stunted, B no longer, D not
        "underweight_under5": (0, 2),  # D's weight-for-age is flagged (z > 5): left out
        "thinness_5_8": (1, 1),  # F, WHO 2007 BMI-for-age
        "health_check_3_8": (1, 2),  # E checked; aged 3-8: E, F
        "screening_positive_hearing": (1, 2),  # E suspected, A normal
        "screening_positive_disability": ("<5", "<5"),  # E suspected of 1 screened: suppressed
    }
    found = {name: parts(report[name]) for name in hand_count}
    assert found == hand_count
    assert report["dtp_hepb_hib_dropout_1_to_3"]["value"] == 0.3333


def assert_the_fixture_is_what_the_hand_count_assumes(a, b, d, f):
    def classes(child, day, kg, cm, position="lying"):
        result = assess(child["sex"], date.fromisoformat(child["date_of_birth"]), date.fromisoformat(day),
                        kg, cm, position)
        return result.conditions, result.flagged

    assert classes(a, "2024-06-01", 8.6, 71.0)[0] == ("stunting",)
    assert classes(b, "2024-01-10", 8.0, 64.0)[0][0] == "stunting"
    assert classes(b, "2024-10-01", 10.0, 80.0) == ((), ())
    assert classes(d, "2024-05-01", 30.0, 87.0)[1][0] == "weight_for_age"
    assert classes(f, "2024-03-01", 14.0, 110.0, "standing")[0][:2] == ("thinness", "severe_thinness")


def test_disability_screening_is_shown_once_its_counts_reach_the_threshold(platform, reporting_container):
    register, record = platform
    for result in ("normal", "suspected", "confirmed", "suspected", "confirmed", "suspected"):
        child = born("female", "2021-03-01")
        register("register_birth", child)
        record("record_screening", make_screening(child["child_id"], kind="disability", result=result,
                                                  screened_on="2024-05-01"))
    report = call(reporting_container, "indicators", "03388", AS_OF, YEAR)["indicators"]
    assert report["screening_positive_disability"] == {"numerator": 5, "denominator": 6, "value": 0.8333}


def test_a_dose_recorded_before_the_birth_is_kept_and_judged_once_the_birth_arrives(
        platform, reporting_container, health_container):
    register, record = platform
    child = born("female", "2024-01-10")
    dose = make_vaccination(child["child_id"], given_on="2024-01-20")
    early = record("record_vaccination", dose)
    assert (early["status"], early["valid"], early["note"]) == (
        "pending", None, "the child's birth has not reached health yet; judged when it does")
    assert call(health_container, "record_vaccination", dose)["status"] == "pending"  # still unknown
    register("register_birth", child)
    judged = call(health_container, "record_vaccination", dose)  # the same record_id, after the birth
    assert (judged["status"], judged["valid"], judged["invalid_reason"], judged["note"]) == (
        "accepted", False, "given before the minimum age of 6w", None)
    assert judged["event_id"] == early["event_id"]  # answered, not stored again
    view = call(reporting_container, "child_view", child["child_id"])
    assert [(d["antigen"], d["valid"], d["reason"]) for d in view["health"]["doses"]] == [
        ("dtp_hepb_hib", False, "given before the minimum age of 6w")]
    later = record("record_vaccination", make_vaccination(child["child_id"], given_on="2024-01-25"))
    assert (later["valid"], later["invalid_reason"]) == (False, "given before the minimum age of 6w")


def test_a_batch_of_doses_recorded_before_the_birth_is_judged_when_sent_again_after_it(
        platform, health_container):
    register, _ = platform
    child = born("female", "2024-01-10")
    doses = [make_vaccination(child["child_id"], given_on="2024-01-20"),
             make_vaccination(child["child_id"], antigen="bcg", given_on="2024-01-11")]
    early = call(health_container, "record_vaccinations", doses)
    assert [answer["status"] for answer in early] == ["pending", "pending"]
    register("register_birth", child)
    judged = call(health_container, "record_vaccinations", doses)  # the same record ids, after the birth
    assert [(a["status"], a["valid"], a["invalid_reason"], a["event_id"]) for a in judged] == [
        ("accepted", False, "given before the minimum age of 6w", early[0]["event_id"]),
        ("accepted", True, None, early[1]["event_id"])]
    assert call(health_container, "record_vaccinations", doses) == judged  # the judgement was kept
    assert call(health_container, "record_vaccination", doses[0]) == judged[0]


def test_a_voided_dose_leaves_coverage_and_the_child_view(platform, reporting_container, health_container):
    register, record = platform
    child = born("male", "2023-05-05")
    register("register_birth", child)
    dose = make_vaccination(child["child_id"], antigen="bcg", given_on="2023-05-05")
    record("record_vaccination", dose)
    before = call(reporting_container, "indicators", "03388", AS_OF, YEAR)["indicators"]["coverage_bcg_1"]
    with entrypoint_waiter(reporting_container, "handle_health_record_voided"):
        call(health_container, "void_record", dose["record_id"], "entered for the wrong child")
    after = call(reporting_container, "indicators", "03388", AS_OF, YEAR)["indicators"]["coverage_bcg_1"]
    assert (before["numerator"], after["numerator"], after["denominator"]) == (1, 0, 1)
    assert call(reporting_container, "child_view", child["child_id"])["health"]["doses"] == []


def test_the_defaulter_list_names_each_overdue_dose_most_overdue_first_and_prints_as_csv(
        platform, health_container):
    register, record = platform
    older, younger = born("female", "2024-01-10"), born("male", "2024-03-01")
    register("register_birth", older)
    register("register_birth", younger)
    record("record_vaccination", make_vaccination(older["child_id"], antigen="bcg", given_on="2024-01-10"))
    record("record_vaccination", make_vaccination(older["child_id"], given_on="2024-03-11"))
    rows = call(health_container, "due_vaccinations", "03388", "2024-05-01")
    listed = [(r["child_id"][-4:], r["antigen"], r["dose"], r["due_on"], r["days_overdue"], r["status"])
              for r in rows]
    o, y = older["child_id"][-4:], younger["child_id"][-4:]
    assert listed == [
        (y, "bcg", 1, "2024-03-01", 61, "overdue"),
        (o, "opv", 1, "2024-03-10", 52, "overdue"),
        (o, "dtp_hepb_hib", 2, "2024-04-08", 23, "due"),
        (y, "dtp_hepb_hib", 1, "2024-05-01", 0, "due"),
        (y, "opv", 1, "2024-05-01", 0, "due"),
    ]
    port = health_container.config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    page = requests.get(f"http://127.0.0.1:{port}/due-vaccinations",
                        params={"commune_code": "03388", "as_of": "2024-05-01"}, headers=bearer(everyone()),
                        timeout=10)
    lines = page.content.decode("utf-8-sig").splitlines()
    assert (page.status_code, page.headers["Content-Type"], len(lines)) == (200, "text/csv; charset=utf-8", 6)
    assert lines[1] == f"{younger['child_id']},Lò Thị Mai,01/03/2024,,,BCG (lao),1,01/03/2024,61,quá hạn"
    bad = requests.get(f"http://127.0.0.1:{port}/due-vaccinations", params={"as_of": "2024-05-01"},
                       headers=bearer(everyone()), timeout=10)
    assert (bad.status_code, bad.text.startswith("commune_code: ")) == (400, True)


def test_the_defaulter_list_leaves_out_doses_past_their_age_limit_and_children_not_yet_registered(
        platform, health_container):
    register, record = platform
    mai = make_birth(full_name="Lò Thị Mai", date_of_birth="2026-03-01", registration_date="2026-03-10",
                     carer_name="Lò Thị Piêng", village="Bản Na Pheo")
    lan = make_birth(full_name="Tòng Thị Lan", date_of_birth="2026-04-20", registration_date="2026-04-25",
                     carer_name="Tòng Văn Ón", village="Tổ dân phố 3")
    pao = make_birth(full_name="Giàng A Páo", sex="male", date_of_birth="2020-03-01",
                     registration_date="2020-03-20")  # six on 30/06/2026; carer and village not given
    late = make_birth(full_name="Lò Văn Khâm", sex="male", date_of_birth="2026-04-01",
                      registration_date="2026-07-15")
    for birth in (mai, lan, pao, late):
        register("register_birth", birth)
    for child in (mai, lan):
        for antigen in ("hepb_birth", "bcg"):
            record("record_vaccination", make_vaccination(child["child_id"], antigen=antigen,
                                                          given_on=child["date_of_birth"]))
    port = health_container.config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    page = requests.get(f"http://127.0.0.1:{port}/due-vaccinations",
                        params={"commune_code": "03388", "as_of": "30/06/2026"}, headers=bearer(everyone()),
                        timeout=10)
    m, lan_id, p = mai["child_id"], lan["child_id"], pao["child_id"]
    assert (page.status_code, page.headers["Content-Disposition"]) == (
        200, 'attachment; filename="due-vaccinations-03388-2026-06-30.csv"')
    assert page.content.decode("utf-8-sig").split("\r\n") == [
        "Mã trẻ (child_id),Họ tên (full_name),Ngày sinh (date_of_birth),Người chăm sóc (carer_name),"
        "Thôn/ấp (village),Vắc xin (antigen),Mũi (dose),Hạn tiêm (due_on),Số ngày quá hạn (days_overdue),"
        "Tình trạng (status)",
        f"{p},Giàng A Páo,01/03/2020,,,DPT,1,01/09/2021,1763,quá hạn",
        f"{p},Giàng A Páo,01/03/2020,,,Sởi-Rubella (MR),1,01/09/2021,1763,quá hạn",
        f"{m},Lò Thị Mai,01/03/2026,Lò Thị Piêng,Bản Na Pheo,DPT-VGB-Hib (5 trong 1),1,01/05/2026,60,quá hạn",
        f"{m},Lò Thị Mai,01/03/2026,Lò Thị Piêng,Bản Na Pheo,Bại liệt uống (OPV),1,01/05/2026,60,quá hạn",
        f"{lan_id},Tòng Thị Lan,20/04/2026,Tòng Văn Ón,Tổ dân phố 3,DPT-VGB-Hib (5 trong 1),1,20/06/2026,10,"
        "đến hạn",
        f"{lan_id},Tòng Thị Lan,20/04/2026,Tòng Văn Ón,Tổ dân phố 3,Bại liệt uống (OPV),1,20/06/2026,10,"
        "đến hạn",
        ""]
    later = call(health_container, "due_vaccinations", "03388", "2026-07-20")
    assert sorted({r["child_id"] for r in later}) == sorted({m, lan_id, p, late["child_id"]})


def test_the_defaulter_list_reads_a_date_as_people_type_it_and_names_a_bad_one_in_both_languages(
        health_container):
    port = health_container.config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    url = f"http://127.0.0.1:{port}/due-vaccinations"
    good = requests.get(url, params={"commune_code": "03388", "as_of": "30/06/2026"},
                        headers=bearer(everyone()), timeout=10)
    bad = requests.get(url, params={"commune_code": "03388", "as_of": "31/02/2026"},
                       headers=bearer(everyone()), timeout=10)
    assert (good.status_code, good.content.decode("utf-8-sig").count("\r\n")) == (200, 1)
    assert (bad.status_code, bad.headers["Content-Type"], bad.text) == (
        400, "text/plain; charset=utf-8",
        "as_of: Ngày không hợp lệ: dạng dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 30/06/2026 / not a valid date: "
        "expected dd/mm/yyyy or yyyy-mm-dd, e.g. 30/06/2026 (nhận được / got '31/02/2026')")


@pytest.mark.parametrize(("method", "record", "field"), [
    ("record_vaccination", make_vaccination(antigen="smallpox"), "antigen"),
    ("record_vaccination", make_vaccination(dose=4), "dose"),
    ("record_vaccination", make_vaccination(given_on="2999-01-01"), "given_on"),
    ("record_vaccination", make_vaccination(commune_code="99999"), "commune_code"),
    ("record_growth", make_growth("012324000001", weight_kg=None, length_height_cm=None), "weight_kg"),
    ("record_growth", make_growth("012324000001", position="sitting"), "position"),
    ("record_growth", make_growth("012324000001", weight_kg=float("nan")), "weight_kg"),
    ("record_screening", make_screening("012324000001", kind="dental"), "kind"),
    ("record_health_check", make_health_check("012324000001", checked_on="yesterday"), "checked_on"),
])
def test_bad_input_gets_a_typed_error_naming_its_field_and_stores_nothing(
        health_container, health_db, method, record, field):
    with pytest.raises(ValidationFailed) as error:
        call(health_container, method, record)
    assert field in error.value.errors
    assert health_db.scalar(select(func.count()).select_from(Record)) == 0
    assert health_db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_dose_before_the_birth_or_after_the_death_is_refused(platform, health_container):
    register, _ = platform
    child = born("female", "2024-01-10")
    register("register_birth", child)
    register("record_death", make_death(child["child_id"], date_of_death="2024-04-01"))
    for given_on, message in (("2024-01-09", "Before the child's birth on 2024-01-10."),
                              ("2024-04-02", "After the child's death on 2024-04-01.")):
        with pytest.raises(ValidationFailed) as error:
            call(health_container, "record_vaccination",
                 make_vaccination(child["child_id"], given_on=given_on))
        assert error.value.errors == {"given_on": [message]}
