"""Education on the real RabbitMQ and PostgreSQL: enrolments reach reporting, and each education
indicator equals a hand count on a small commune, with transfers, drop-outs, a late entrant with
an allowed reason and a child who moves commune mid-year; children with a disability are counted
with small-cell suppression, as protection's are."""

from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from services.education.orm import Enrolment, OutboxMessage, Record
from services.reporting.report_page import render_report
from shared.exceptions import ValidationFailed
from tests.support.factories import (
    make_birth,
    make_death,
    make_enrolment,
    make_enrolment_end,
    make_move,
    make_screening,
)
from tests.support.figures import parts
from tests.support.hooks import call, write_and_wait
from tests.support.identities import bearer, everyone

SPRING, WINTER = "2025-03-31", "2024-12-31"  # both in school year 2024-2025 (legacy map)
EDUCATION_FIGURES = ("creche_enrolment_3_36m", "kindergarten_enrolment_3_5", "preschool_enrolment_age5",
                     "grade1_entry_on_time", "inclusive_education_3_8", "out_of_school_6_8")


@pytest.fixture
def platform(registry_container, health_container, education_container, reporting_container):
    class Platform:
        def register(self, method, record):
            event = {"register_birth": "birth_registered", "record_death": "death_recorded",
                     "change_residence": "residence_changed"}[method]
            followers = (health_container, education_container, reporting_container)
            return write_and_wait(registry_container, method, [record],
                                  [(c, f"handle_registry_{event}") for c in followers])

        def screen(self, record):
            return write_and_wait(health_container, "record_screening", [record],
                                  [(reporting_container, "handle_health_screening_recorded")])

        def enrol(self, record):
            return write_and_wait(education_container, "record_enrolment", [record],
                                  [(reporting_container, "handle_education_enrolment_recorded")])

        def end(self, record):
            return write_and_wait(education_container, "end_enrolment", [record],
                                  [(reporting_container, "handle_education_enrolment_ended")])

        def void(self, record_id):
            return write_and_wait(education_container, "void_record", [record_id, "entered by mistake"],
                                  [(reporting_container, "handle_education_record_voided")])

        def figures(self, area, as_of):
            report = call(reporting_container, "indicators", area, as_of)
            found = report["indicators"]
            return report["school_year"], {name: parts(found[name]) for name in EDUCATION_FIGURES}

    return Platform()


def child(platform, born, **extra):
    birth = make_birth(date_of_birth=born, registration_date=born, **extra)
    platform.register("register_birth", birth)
    return birth["child_id"]


def test_each_education_indicator_equals_a_hand_count(platform):
    p = platform
    c1, c2, c3 = child(p, "2024-01-10"), child(p, "2023-06-01"), child(p, "2022-04-15")  # creche ages
    k1, k2, k3, k4 = (child(p, "2021-05-01"), child(p, "2019-08-20"), child(p, "2019-03-03"),
                      child(p, "2020-10-10"))
    g1, g2, g3, g4 = (child(p, "2018-02-02"), child(p, "2018-11-11"), child(p, "2017-04-04"),
                      child(p, "2016-06-06"))
    d1, d2, d3 = child(p, "2020-01-20"), child(p, "2017-09-09"), child(p, "2021-02-02")
    mover, dead = child(p, "2019-05-05"), child(p, "2017-01-01")
    p.register("record_death", make_death(dead, date_of_death="2025-02-01"))
    p.register("change_residence", make_move(mover, commune_code="03391", moved_on="2025-01-10"))
    for disabled, result in ((d1, "confirmed"), (d2, "confirmed"), (d3, "suspected")):
        p.screen(make_screening(disabled, kind="disability", result=result, screened_on="2024-06-01"))

    for creche in (c1, c3):
        p.enrol(make_enrolment(creche, level="creche", school_code="NT-03388"))
    for kindergarten in (k1, mover):
        p.enrol(make_enrolment(kindergarten))
    p.enrol(make_enrolment(d1, inclusive=True))
    p.end(make_enrolment_end(p.enrol(make_enrolment(k2))["record_id"], ended_on="2025-01-15",
                             reason="dropped_out"))
    first_school = make_enrolment(k3, school_code="MG-03388")
    p.enrol(first_school)
    p.end(make_enrolment_end(first_school["record_id"], ended_on="2024-12-01", reason="transferred"))
    p.enrol(make_enrolment(k3, school_code="MG-03391", start_date="2024-12-02"))
    p.enrol(make_enrolment(g1, level="primary", grade=1, school_code="TH-03388"))
    p.enrol(make_enrolment(g3, level="primary", grade=1, school_code="TH-03388",
                           age_exception="ethnic_minority"))
    g4_grade3 = make_enrolment(g4, level="primary", grade=3, school_code="TH-03388")
    p.enrol(g4_grade3)
    p.end(make_enrolment_end(g4_grade3["record_id"], ended_on="2025-02-01", reason="dropped_out"))
    p.enrol(make_enrolment(d2, level="primary", grade=2, school_code="TH-03388", inclusive=False))
    del c2, k4, g2  # registered, never enrolled
    assert p.figures("03388", SPRING) == ("2024-2025", {
        "creche_enrolment_3_36m": (2, 3),  # C1, C3 of C1-C3 (D3 and K1 are past 36 months)
        "kindergarten_enrolment_3_5": (3, 6),  # K1, K3 (once, after its transfer), D1 of K1-K4, D1, D3
        "preschool_enrolment_age5": (1, 2),  # K3 of K2 and K3 (the mover now lives in 03391)
        "grade1_entry_on_time": (1, 2),  # G1 of G1, G2 (born 2018); G3 is late, with its reason
        "inclusive_education_3_8": ("<5", "<5"),  # D1 of D1, D2 (D3 only suspected): 1 and 2, suppressed
        "out_of_school_6_8": (2, 5),  # G2 never enrolled, G4 dropped out; of G1-G4, D2 (the dead child not)
    })


def children_with_a_disability(platform, commune, count, inclusive):
    """``count`` children of 4 living in ``commune`` with a confirmed disability, the first
    ``inclusive`` of them in an inclusive kindergarten there."""
    for n in range(count):
        disabled = child(platform, "2020-06-01", commune_code=commune)
        platform.screen(make_screening(disabled, kind="disability", result="confirmed",
                                       screened_on="2024-06-01", commune_code=commune))
        if n < inclusive:
            platform.enrol(make_enrolment(disabled, inclusive=True, school_code=f"MG-{commune}",
                                          commune_code=commune))


def inclusive_education(found):
    return parts(found["inclusive_education_3_8"], "numerator", "denominator", "value")


def test_a_commune_with_enough_children_with_a_disability_shows_its_inclusive_education_figure(
        platform, reporting_container):
    children_with_a_disability(platform, "03388", 6, inclusive=5)
    shown = {area: inclusive_education(call(reporting_container, "indicators", area, SPRING)["indicators"])
             for area in ("03388", "105", "12")}
    assert shown == {"03388": (5, 6, 0.8333), "105": (5, 6, 0.8333), "12": (5, 6, 0.8333)}


def test_2_children_with_a_disability_1_in_inclusive_education_show_as_less_than_5_and_are_not_derivable(
        platform, reporting_container):
    children_with_a_disability(platform, "03388", 2, inclusive=1)
    children_with_a_disability(platform, "03387", 6, inclusive=5)
    report = call(reporting_container, "indicators", "105", SPRING, None, True)
    by_commune = {c["code"]: inclusive_education(c["indicators"]) for c in report["communes"]}
    assert inclusive_education(report["indicators"]) == (6, 8, 0.75)
    hidden = {"03388": ("<5", "<5", None), "03387": ("x", "x", None), "03386": (0, 0, None)}
    assert {code: by_commune[code] for code in hidden} == hidden  # 6 - x - 0: 03388 stays unknown
    alone = {code: call(reporting_container, "indicators", code, SPRING) for code in hidden}
    assert {code: inclusive_education(r["indicators"]) for code, r in alone.items()} == hidden  # asked alone
    page = render_report(alone["03388"], datetime(2026, 11, 30, tzinfo=UTC))
    assert ("Children aged 3-8 with a disability in inclusive education</small></td>"
            '<td class="n nd">&lt;5</td><td class="n nd">&lt;5</td>'
            "<td class=n>—<small class=sub>&lt;5/&lt;5</small></td>") in page


def test_a_child_who_moves_mid_year_counts_where_it_lives_on_the_date_asked(platform):
    mover = child(platform, "2019-05-05")
    platform.enrol(make_enrolment(mover))  # its school stays in 03388
    platform.register("change_residence", make_move(mover, commune_code="03391", moved_on="2025-01-10"))
    age5 = {(area, day): platform.figures(area, day)[1]["preschool_enrolment_age5"]
            for area in ("03388", "03391") for day in (WINTER, SPRING)}
    assert age5 == {("03388", WINTER): (1, 1), ("03388", SPRING): (0, 0),
                    ("03391", WINTER): (0, 0), ("03391", SPRING): (1, 1)}


def test_a_late_entrant_is_not_on_time_in_its_own_cohort_year(platform):
    late = child(platform, "2017-04-04")
    answer = platform.enrol(make_enrolment(late, level="primary", grade=1, school_code="TH-03388",
                                           age_exception="ethnic_minority"))
    assert answer["age_checked"] is True
    assert platform.figures("03388", "2024-05-31")[1]["grade1_entry_on_time"] == (0, 1)  # 2023-2024
    assert platform.figures("03388", SPRING)[1]["grade1_entry_on_time"] == (0, 0)  # not born in 2018
    assert platform.figures("03388", SPRING)[1]["out_of_school_6_8"] == (0, 1)


def test_voiding_a_drop_out_puts_the_child_back_in_school_and_voiding_the_enrolment_takes_it_out(
        platform, reporting_container):
    pupil = child(platform, "2018-02-02")
    enrolment = make_enrolment(pupil, level="primary", grade=1)
    platform.enrol(enrolment)
    drop_out = make_enrolment_end(enrolment["record_id"], ended_on="2025-01-15", reason="dropped_out")
    platform.end(drop_out)
    counted = [platform.figures("03388", SPRING)[1]["out_of_school_6_8"]]
    platform.void(drop_out["record_id"])
    counted.append(platform.figures("03388", SPRING)[1]["out_of_school_6_8"])
    platform.void(enrolment["record_id"])
    counted.append(platform.figures("03388", SPRING)[1]["out_of_school_6_8"])
    assert counted == [(1, 1), (0, 1), (1, 1)]
    assert call(reporting_container, "child_view", pupil)["education"]["enrolments"] == []


def test_a_transfer_is_an_end_and_a_new_enrolment_and_never_two_schools_at_once(
        platform, education_container, reporting_container):
    pupil = child(platform, "2019-03-03")
    first = make_enrolment(pupil, school_code="MG-03388")
    platform.enrol(first)
    with pytest.raises(ValidationFailed) as error:
        call(education_container, "record_enrolment", make_enrolment(pupil, school_code="MG-03391",
                                                                     start_date="2024-12-02"))
    assert error.value.errors == {"start_date": [
        f"The child is enrolled at MG-03388 from 2024-09-05 with no end recorded (enrolment "
        f"{first['record_id']}); end that enrolment first (a transfer is an end, then a new enrolment)."]}
    platform.end(make_enrolment_end(first["record_id"], ended_on="2024-12-02", reason="transferred"))
    second = make_enrolment(pupil, school_code="MG-03391", start_date="2024-12-02")
    platform.enrol(second)
    held = [(e["school_code"], e["start_date"], e["ended_on"], e["end_reason"])
            for e in call(education_container, "enrolments_for", pupil)]
    assert held == [("MG-03388", "2024-09-05", "2024-12-02", "transferred"),
                    ("MG-03391", "2024-12-02", None, None)]
    roster = call(education_container, "school_roster", "MG-03388", "2024-2025")
    assert [(r["child_id"], r["date_of_birth"], r["end_reason"]) for r in roster] == [
        (pupil, "2019-03-03", "transferred")]
    view = call(reporting_container, "child_view", pupil)["education"]
    assert (len(view["enrolments"]), view["grade1_entry"]) == (2, None)
    assert platform.figures("03388", "2024-12-02")[1]["kindergarten_enrolment_3_5"] == (1, 1)


def test_a_school_roster_downloads_as_csv_and_a_bad_query_names_its_field(platform, education_container):
    mai = child(platform, "2018-02-02", carer_name="Lò Thị Piêng", village="Bản Na Pheo")
    pao = child(platform, "2017-05-05", sex="male", full_name="Giàng A Páo")  # no carer or village given
    first = make_enrolment(mai, level="primary", grade=1, school_code="TH-1", inclusive=True)
    late = make_enrolment(pao, level="primary", grade=1, school_code="TH-1", age_exception="ethnic_minority")
    platform.enrol(first)
    platform.enrol(late)
    platform.end(make_enrolment_end(late["record_id"], ended_on="2025-01-15", reason="dropped_out"))
    port = education_container.config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    url = f"http://127.0.0.1:{port}/school-roster"
    page = requests.get(url, params={"school_code": "TH-1", "school_year": "2024-2025"},
                        headers=bearer(everyone()), timeout=10)
    assert (page.status_code, page.headers["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert page.content.decode("utf-8-sig").split("\r\n") == [
        "Mã trẻ (child_id),Họ tên (full_name),Ngày sinh (date_of_birth),Người chăm sóc (carer_name),"
        "Thôn/ấp (village),Cấp học (level),Lớp (grade),Ngày nhập học (start_date),Hòa nhập (inclusive),"
        "Lý do vào học muộn (age_exception),Ngày thôi học (ended_on),Lý do (end_reason),"
        "Mã ghi danh (enrolment_id)",
        f"{pao},Giàng A Páo,05/05/2017,,,Tiểu học,1,05/09/2024,Không,Trẻ em người dân tộc thiểu số,"
        f"15/01/2025,Bỏ học,{late['record_id']}",
        f"{mai},Lò Thị Mai,02/02/2018,Lò Thị Piêng,Bản Na Pheo,Tiểu học,1,05/09/2024,Có,,,,"
        f"{first['record_id']}",
        ""]
    bad = requests.get(url, params={"school_code": "TH-1", "school_year": "2024-2026"},
                       headers=bearer(everyone()), timeout=10)
    assert (bad.status_code, bad.text.startswith("school_year: ")) == (400, True)


def test_an_unknown_school_is_a_404_and_a_known_one_without_pupils_that_year_an_empty_list(
        platform, education_container):
    pupil = child(platform, "2018-02-02")
    platform.enrol(make_enrolment(pupil, level="primary", grade=1, school_code="TH-1"))
    url = f"http://{education_container.config['WEB_SERVER_ADDRESS']}/school-roster"
    unknown = requests.get(url, params={"school_code": "TH-NOWHERE", "school_year": "2024-2025"},
                           headers=bearer(everyone()), timeout=10)
    assert (unknown.status_code, unknown.headers["Content-Type"], unknown.text) == (
        404, "text/plain; charset=utf-8",
        "Không có trường TH-NOWHERE: ngành giáo dục chưa có trẻ nào ghi danh ở trường này / "
        "No school TH-NOWHERE: education has no enrolment at it.")
    empty = requests.get(url, params={"school_code": "TH-1", "school_year": "2023-2024"},
                         headers=bearer(everyone()), timeout=10)
    assert (empty.status_code, empty.content.decode("utf-8-sig").count("\r\n")) == (200, 1)


def test_an_enrolment_for_a_child_not_yet_registered_is_kept_and_counted_once_the_birth_arrives(
        platform, education_container, reporting_container):
    birth = make_birth(date_of_birth="2019-03-03", registration_date="2025-02-01")
    enrolment = make_enrolment(birth["child_id"])
    answer = platform.enrol(enrolment)
    assert (answer["status"], answer["age_checked"], answer["note"]) == (
        "pending", False, "the child's birth has not reached education yet; its age could not be checked")
    assert platform.figures("03388", SPRING)[1]["preschool_enrolment_age5"] == (0, 0)
    platform.register("register_birth", birth)
    judged = call(education_container, "record_enrolment", enrolment)
    assert (judged["status"], judged["age_checked"], judged["age_problem"]) == ("accepted", True, None)
    assert platform.figures("03388", SPRING)[1]["preschool_enrolment_age5"] == (1, 1)
    view = call(reporting_container, "child_view", birth["child_id"])["education"]
    assert view["enrolled_now"] is None  # today is past school year 2024-2025
    assert [e["school_year"] for e in view["enrolments"]] == ["2024-2025"]


@pytest.mark.parametrize(("born", "record", "field"), [
    ("2019-03-03", {"level": "university"}, "level"),
    ("2019-03-03", {"grade": 1}, "grade"),
    ("2019-03-03", {"level": "primary"}, "grade"),
    ("2019-03-03", {"school_year": "2024-2026"}, "school_year"),
    ("2019-03-03", {"start_date": "2024-07-31"}, "start_date"),
    ("2019-03-03", {"start_date": "2999-09-05", "school_year": "2999-3000"}, "school_year"),
    ("2019-03-03", {"commune_code": "99999"}, "commune_code"),
    ("2019-03-03", {"age_exception": "because"}, "age_exception"),
    ("2019-03-03", {"inclusive": "maybe"}, "inclusive"),
    ("2018-02-02", {}, "age_exception"),  # six by birth year: kindergarten needs a reason
    ("2019-03-03", {"level": "primary", "grade": 1}, "grade"),  # five by birth year: too young
    ("2017-04-04", {"level": "primary", "grade": 1}, "age_exception"),  # late without a reason
    ("2024-01-10", {"level": "creche", "start_date": "2024-01-20"}, "start_date"),  # before the birth
])
def test_bad_input_gets_a_typed_error_naming_its_field_and_stores_nothing(
        platform, education_container, education_db, born, record, field):
    pupil = child(platform, born)
    with pytest.raises(ValidationFailed) as error:
        call(education_container, "record_enrolment", make_enrolment(pupil, **record))
    assert list(error.value.errors) == [field]
    assert [education_db.scalar(select(func.count()).select_from(model))
            for model in (Record, OutboxMessage, Enrolment)] == [0, 0, 0]


@pytest.mark.parametrize(("end", "field"), [
    ({"enrolment_id": "no-such-enrolment"}, "enrolment_id"),
    ({"reason": "expelled"}, "reason"),
    ({"ended_on": "2024-09-04"}, "ended_on"),
    ({"ended_on": "2025-08-01"}, "ended_on"),
    ({"ended_on": "15/01/2025"}, "ended_on"),
])
def test_a_bad_end_gets_a_typed_error_naming_its_field_and_stores_nothing(
        education_container, education_db, end, field):
    enrolment = make_enrolment()
    call(education_container, "record_enrolment", enrolment)
    with pytest.raises(ValidationFailed) as error:
        call(education_container, "end_enrolment", {**make_enrolment_end(enrolment["record_id"]), **end})
    assert list(error.value.errors) == [field]
    education_db.rollback()
    assert [education_db.scalar(select(func.count()).select_from(model)) for model in (Record, OutboxMessage)
            ] == [1, 1]
    assert education_db.get(Enrolment, enrolment["record_id"]).ended_on is None


def test_births_published_before_education_started_are_copied_from_the_registry_log(
        registry_container, container_factory, service_config):
    from services.education.service import EducationService

    birth = make_birth(date_of_birth="2018-02-02")
    call(registry_container, "register_birth", birth)  # no education queue exists: the broker drops it
    education = container_factory(EducationService, service_config("education"))
    education.start()
    late = call(education, "record_enrolment", make_enrolment(birth["child_id"], level="primary", grade=1))
    assert late["age_checked"] is False
    assert call(education, "catch_up_registry") == {"source": "registry", "read": 1, "applied": 1,
                                                    "position": 1}
    with pytest.raises(ValidationFailed) as error:  # its age is known now: grade 3 is too early
        call(education, "record_enrolment", make_enrolment(birth["child_id"], level="primary", grade=3,
                                                           school_year="2025-2026", start_date="2025-09-05"))
    assert list(error.value.errors) == ["grade"]
    assert call(education, "catch_up_registry") == {"source": "registry", "read": 0, "applied": 0,
                                                    "position": 1}


def test_a_registry_catch_up_without_a_registry_says_so(education_container):
    assert call(education_container, "catch_up_registry") == {
        "source": "registry", "unreachable": "service registry is not running"}
