"""Protection on the real RabbitMQ and PostgreSQL: notes never leave the service, case reads are
purpose-bound and audited, and every protection aggregate equals a hand count, small cells hidden."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Connection, Exchange, Queue
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select

from services.protection.orm import CaseNote, Episode, OutboxMessage, Record
from services.reporting.report_page import render_report
from shared.exceptions import Forbidden, Unauthenticated, ValidationFailed
from tests.support.factories import (
    NOTE,
    make_allowance,
    make_birth,
    make_case,
    make_case_close,
    make_case_update,
    make_move,
    make_placement,
    make_special_circumstance,
    make_token,
)
from tests.support.figures import parts, shown
from tests.support.hooks import call, write_and_wait

AS_OF, PERIOD = "2025-03-31", {"start": "2025-01-01", "end": "2025-03-31"}  # legacy map: districts
CITY, CITY_COMMUNES = "105", ("03388", "03387", "03386")  # Lai Châu city, three of its wards
OFFICER, TEACHER = make_token(), make_token("teacher", purpose="school enrolment")
OUTSIDER = make_token(communes=("03391",), user_id="officer-of-03391")
AUDITOR = make_token("auditor", communes=(), user_id="auditor-1", purpose="quarterly audit")


@pytest.fixture
def platform(registry_container, protection_container, reporting_container):
    class Platform:
        def register(self, method, record):
            event = {"register_birth": "birth_registered", "change_residence": "residence_changed"}[method]
            return write_and_wait(registry_container, method, [record],
                                  [(c, f"handle_registry_{event}") for c in (reporting_container,
                                                                             protection_container)])

        def child(self, born="2021-05-01", **extra):
            birth = make_birth(date_of_birth=born, registration_date=born, **extra)
            self.register("register_birth", birth)
            return birth["child_id"]

        def protect(self, method, record):
            with entrypoint_waiter(reporting_container, "handle_protection_" + EVENTS[method]):
                return call(protection_container, method, record)

        def indicators(self, area, by_commune=False):
            return call(reporting_container, "indicators", area, AS_OF, PERIOD, by_commune)

    return Platform()


EVENTS = {"open_case": "case_opened", "update_case": "case_updated", "close_case": "case_closed",
          "record_special_circumstance": "special_circumstance_recorded",
          "grant_allowance": "allowance_granted", "record_alternative_care": "alternative_care_recorded",
          "stop_allowance": "allowance_stopped"}


def test_notes_never_reach_the_broker_a_record_row_or_the_disk_in_clear(platform, protection_container,
                                                                       protection_db):
    captured = []
    with Connection(protection_container.config["AMQP_URI"]) as conn:
        # a queue of this connection alone: one left by a killed run (read with basic_get, an
        # auto_delete queue is never deleted) held other tests' events
        tap = Queue(f"test-protection-tap-{uuid.uuid4().hex}",
                    Exchange("protection.events", type="topic", durable=True), routing_key="#",
                    exclusive=True)
        tap(conn.channel()).declare()
        case = make_case(platform.child())
        platform.protect("open_case", case)
        platform.protect("update_case", make_case_update(case["case_id"]))
        platform.protect("close_case", make_case_close(case["case_id"], notes="Đã chuyển gia đình bà ngoại."))
        with conn.SimpleQueue(tap) as queue:
            captured = [queue.get(timeout=5).body for _ in range(3)]
    bodies = [body.decode("utf-8") if isinstance(body, bytes) else body for body in captured]
    assert [json.loads(b)["event_type"] for b in bodies] == ["case_opened", "case_updated", "case_closed"]
    secrets = ("notes", "Lò Thị Hoa", "bà ngoại", "thăm nhà")
    assert not any(word in body for body in bodies for word in secrets)
    stored = json.dumps([r.request for r in protection_db.scalars(select(Record))], ensure_ascii=False)
    assert ("Lò Thị Hoa" in stored, stored.count('"notes": "sha256:')) == (False, 3)
    assert not any(NOTE.encode("utf-8") in n.ciphertext for n in protection_db.scalars(select(CaseNote)))
    full = call(protection_container, "get_case", case["case_id"], as_token=OFFICER)
    assert [n["text"] for n in full["notes"]] == [NOTE, "Kế hoạch: thăm nhà hằng tuần.",
                                                  "Đã chuyển gia đình bà ngoại."]
    assert (full["level"], full["plan_on"], full["services"], full["outcome"]) == (
        "support", "2025-03-06", ["counselling"], "resolved")


def test_another_commune_or_role_is_refused_case_details_and_every_read_is_audited(
        platform, protection_container):
    child = platform.child()
    case = make_case(child)
    platform.protect("open_case", case)
    call(protection_container, "get_case", case["case_id"], as_token=OFFICER)
    for caller in (OUTSIDER, TEACHER):
        with pytest.raises(Forbidden):
            call(protection_container, "get_case", case["case_id"], as_token=caller)
    with pytest.raises(Forbidden):
        call(protection_container, "cases_for_child", child, as_token=TEACHER)
    with pytest.raises(Forbidden):
        call(protection_container, "audit_log", as_token=OFFICER)
    with pytest.raises(Unauthenticated):
        call(protection_container, "get_case", case["case_id"], as_token="")
    log = call(protection_container, "audit_log", child, as_token=AUDITOR)
    assert [(e["user_id"], e["roles"], e["purpose"], e["action"], e["outcome"]) for e in reversed(log)] == [
        ("protection_officer-1", ["protection_officer"], "case_management", "read_case", "granted"),
        ("officer-of-03391", ["protection_officer"], "case_management", "read_case", "refused"),
        ("teacher-1", ["teacher"], "school enrolment", "read_case", "refused"),
        ("teacher-1", ["teacher"], "school enrolment", "read_child_cases", "refused"),
        ("unauthenticated", ["unauthenticated"], "", "read_case", "refused"),
        ("auditor-1", ["auditor"], "quarterly audit", "read_audit_log", "granted"),
    ]


def test_the_child_view_shows_protection_data_only_to_an_officer_of_the_child_and_audits_it(
        platform, reporting_container):
    child = platform.child()
    platform.protect("record_special_circumstance", make_special_circumstance(child, groups=["a", "d"]))
    platform.protect("grant_allowance", make_allowance(child))
    with pytest.raises(Unauthenticated):
        call(reporting_container, "child_view", child, as_token="")
    with pytest.raises(Forbidden):
        call(reporting_container, "child_view", child, as_token=make_token(
            "commune_officer", communes=("03391",), user_id="officer-of-03391"))
    teacher = call(reporting_container, "child_view", child, as_token=make_token(
        "commune_officer", user_id="commune-officer-1"))["protection"]
    officer = call(reporting_container, "child_view", child, as_token=OFFICER)["protection"]
    assert teacher == {
        "withheld": "Protection data are shown only to protection officers of the child's communes."}
    assert (officer["special_circumstances"], officer["allowances"]) == (
        ["a", "d"],
        [{"category": "no_support_under_4", "monthly_amount_vnd": 1250000, "since": "2024-11-01"}])
    log = call(reporting_container, "audit_log", as_token=AUDITOR)
    assert [(e["user_id"], e["action"], e["outcome"]) for e in reversed(log)] == [
        ("unauthenticated", "read_child_view", "refused"),
        ("officer-of-03391", "read_child_view", "refused"),
        ("commune-officer-1", "read_child_view", "withheld"),
        ("protection_officer-1", "read_child_view", "granted"),
        ("auditor-1", "read_audit_log", "granted")]


def test_the_allowance_is_the_standard_level_of_its_start_date_times_the_coefficient(
        platform, protection_container):
    child = platform.child("2020-03-01")  # 4 on 1 June 2024
    first = make_allowance(child, category="no_support_4_plus", coefficient=1.5, started_on="2024-06-01")
    before = call(protection_container, "grant_allowance", first)
    assert before["monthly_amount_vnd"] == 540000  # 360,000 x 1.5 before 1 July 2024
    second = make_allowance(child, category="no_support_4_plus", started_on="2024-08-01")
    with pytest.raises(ValidationFailed) as error:  # one allowance at a time: stop the first
        call(protection_container, "grant_allowance", second)
    assert list(error.value.errors) == ["started_on"]
    call(protection_container, "stop_allowance", {"record_id": "stop-1", "allowance_id": before["record_id"],
                                                  "ended_on": "2024-08-01"})
    after = call(protection_container, "grant_allowance", second)
    assert after["monthly_amount_vnd"] == 1250000  # 500,000 x 2.5 (a province may pay more than 1.5)


def test_dates_and_allowance_categories_are_checked_against_the_registered_birth(
        platform, protection_container):
    child = platform.child("2021-05-01")
    with pytest.raises(ValidationFailed) as before_birth:
        call(protection_container, "open_case", make_case(child, opened_on="2021-04-30"))
    with pytest.raises(ValidationFailed) as too_young:
        call(protection_container, "grant_allowance", make_allowance(child, category="no_support_4_plus"))
    assert (before_birth.value.errors, too_young.value.errors) == (
        {"opened_on": ["Before the child's birth on 2021-05-01."]},
        {"category": ["no_support_4_plus is for children from 4; the child is 3 on 2024-11-01."]})


@pytest.mark.parametrize(("method", "record", "field"), [
    ("open_case", make_case(level="urgent"), "level"),
    ("open_case", make_case(concerns=[]), "concerns"),
    ("open_case", make_case(concerns=["neglect", "neglect"]), "concerns"),
    ("open_case", make_case(risk="extreme"), "risk"),
    ("open_case", make_case(notes="a\x00b"), "notes"),
    ("open_case", make_case(opened_on="2999-01-01"), "opened_on"),
    ("open_case", make_case(commune_code="99999"), "commune_code"),
    ("record_special_circumstance", make_special_circumstance("012324000001", groups=["z"]), "groups.0"),
    ("record_alternative_care", make_placement("012324000001", form="boarding_school"), "form"),
    ("grant_allowance", make_allowance("012324000001", coefficient=1.0), "coefficient"),
    ("grant_allowance", make_allowance("012324000001", started_on="2021-06-30"), "started_on"),
    ("update_case", make_case_update("no-such-case"), "case_id"),
])
def test_bad_input_gets_a_typed_error_naming_its_field_and_stores_nothing(
        protection_container, protection_db, method, record, field):
    with pytest.raises(ValidationFailed) as error:
        call(protection_container, method, record)
    assert list(error.value.errors) == [field]
    assert [protection_db.scalar(select(func.count()).select_from(m))
            for m in (Record, OutboxMessage, CaseNote, Episode)] == [0, 0, 0, 0]


def test_each_protection_indicator_equals_a_hand_count(platform):
    p = platform
    a, b, c, d = p.child("2021-05-01"), p.child("2019-02-02"), p.child("2017-07-07"), p.child("2020-09-09")
    e, f, old = p.child("2022-01-01"), p.child("2023-03-03"), p.child("2015-05-05")  # old: 9, not 0-8
    for child, groups in ((a, ["a"]), (b, ["a", "d"]), (c, ["d"]), (d, ["i"]), (old, ["a"])):
        p.protect("record_special_circumstance", make_special_circumstance(child, groups=groups))
    p.protect("grant_allowance", make_allowance(a))  # a supported (allowance), eligible and paid
    p.protect("record_alternative_care", make_placement(c))  # c supported (placement)
    cases = [make_case(d, level="intervention", concerns=["violence", "neglect"], opened_on="2025-01-10"),
             make_case(e, level="support", opened_on="2025-02-01"),
             make_case(f, level="prevention", concerns=["other"], opened_on="2024-12-01")]  # before period
    for case in cases:
        p.protect("open_case", case)
    p.protect("update_case", make_case_update(cases[0]["case_id"], updated_on="2025-01-15",
                                              plan_on="2025-01-15"))  # 5 days: in time; services: d supported
    p.protect("update_case", make_case_update(cases[1]["case_id"], updated_on="2025-02-20",
                                              plan_on="2025-02-20", services=[]))  # 19 days: late
    p.protect("close_case", make_case_close(cases[1]["case_id"], closed_on="2025-03-01", outcome="referred"))
    found = p.indicators(CITY)["indicators"]
    hand_count = {  # every count here is 1-4 or a ratio of such: the district shows them all as <5
        "special_circumstances_0_8": ("<5", 6),  # a, b, c, d of the six 0-8 (old is 9)
        "special_circumstances_supported": ("<5", "<5"),  # a, c, d of a, b, c, d
        "protection_cases_opened": ("<5", None),  # d and e in the period
        "protection_cases_intervention": ("<5", None),
        "protection_cases_prevention": (0, None),
    }
    assert {k: parts(found[k]) for k in hand_count} == hand_count
    assert found["allowance_coverage"]["value"] is None


def test_a_commune_with_3_cases_shows_less_than_5_and_cannot_be_had_from_the_district_total(platform):
    p = platform
    counts = {"03388": 3, "03387": 6, "03386": 0}
    for commune, cases in counts.items():
        for n in range(cases):
            child = p.child(commune_code=commune)
            p.protect("open_case", make_case(child, commune_code=commune, opened_on=f"2025-02-{n + 1:02d}"))
    report = p.indicators(CITY, by_commune=True)
    opened = {c["code"]: shown(c["indicators"]["protection_cases_opened"]) for c in report["communes"]}
    assert report["indicators"]["protection_cases_opened"]["numerator"] == 9
    assert {code: opened[code] for code in CITY_COMMUNES} == {"03388": "<5", "03387": "x", "03386": 0}
    alone = {code: shown(p.indicators(code)["indicators"]["protection_cases_opened"])
             for code in CITY_COMMUNES}
    assert alone == {"03388": "<5", "03387": "x", "03386": 0}  # the same cells hidden, asked one by one
    page = render_report(report, datetime(2026, 11, 30, tzinfo=UTC))
    assert "<td class=n>&lt;5</td>" in page


def test_figures_large_enough_are_shown_and_a_small_part_hides_one_more_part(platform):
    p = platform
    children = [p.child("2021-05-01") for _ in range(7)]
    for child in children[:6]:
        p.protect("record_special_circumstance", make_special_circumstance(child, groups=["a"]))
    p.protect("record_special_circumstance", make_special_circumstance(children[6], groups=["i"]))
    for child in children[:5]:
        p.protect("grant_allowance", make_allowance(child))
    p.protect("record_alternative_care", make_placement(children[6]))
    found = p.indicators(CITY)["indicators"]
    names = ("special_circumstances_0_8", "special_circumstances_supported", "allowance_coverage",
             "special_circumstances_a_0_8", "special_circumstances_i_0_8")
    figures = {name: parts(found[name], "numerator", "denominator", "value")
               for name in names}
    assert figures == {
        "special_circumstances_0_8": (7, 7, 1.0),
        "special_circumstances_supported": (6, 7, 0.8571),  # five allowances and one placement
        "allowance_coverage": (5, 6, 0.8333),  # group a is eligible, group i is not
        "special_circumstances_a_0_8": ("x", 7, None),  # 6, hidden: 7 - 6 would give group i away
        "special_circumstances_i_0_8": ("<5", 7, None),
    }


def test_a_case_counts_where_it_was_opened_even_after_the_child_moves(platform):
    child = platform.child(commune_code="03388")
    platform.protect("open_case", make_case(child, commune_code="03388", opened_on="2025-01-05"))
    platform.register("change_residence", make_move(child, commune_code="03387", moved_on="2025-02-01"))
    report = platform.indicators(CITY, by_commune=True)
    opened = {c["code"]: shown(c["indicators"]["protection_cases_opened"]) for c in report["communes"]}
    assert (opened["03388"], opened["03387"]) == ("<5", 0)
