"""Referrals between sectors on the real RabbitMQ and PostgreSQL: health refers a child, education
sees it in its commune's inbox and answers, health sees the answer; wrong answers are typed errors
that store nothing; a referral sent while the receiver was down reaches it by catch-up; a void takes
it out of the inbox; only an officer of the receiving sector and commune reads the inbox."""

import pytest
from sqlalchemy import func, select

from services.education.orm import Record as EducationRecord
from services.education.orm import Referral as EducationReferral
from services.health.orm import Record as HealthRecord
from shared.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from tests.support.factories import COMMUNE, make_referral, make_referral_answer, make_token, personal_id
from tests.support.hooks import call, write_and_wait

NEIGHBOUR = "03391"
TEACHER = make_token("teacher", user_id="teacher-03388", purpose="inclusive education")
TEACHER_THERE = make_token("teacher", communes=(NEIGHBOUR,), user_id="teacher-03391")
HEALTH_WORKER = make_token("health_worker", user_id="hw-03388")


@pytest.fixture
def loop(health_container, education_container):
    class Loop:
        def refer(self, record):
            return write_and_wait(health_container, "refer_child", [record],
                                  [(education_container, "handle_health_referral_sent")])

        def answer(self, method, record):
            event = {"accept_referral": "accepted", "decline_referral": "declined",
                     "complete_referral": "completed"}[method]
            return write_and_wait(education_container, method, [record],
                                  [(health_container, f"handle_education_referral_{event}")])

        def inbox(self, status=None, as_token=TEACHER):
            return call(education_container, "referral_inbox", COMMUNE, status=status, as_of="2026-04-15",
                        as_token=as_token)

        def sent(self):
            return call(health_container, "referrals_sent", COMMUNE, as_of="2026-04-15",
                        as_token=HEALTH_WORKER)

    return Loop()


def listed(referral, sender="health"):
    """A referral's id as every sector lists it: the sender's name, then the id the sender gave."""
    return f"{sender}:{referral['referral_id']}"


def states(rows):
    return [(row["referral_id"], row["state"]) for row in rows]


def test_a_referral_reaches_the_receivers_inbox_and_the_sender_sees_each_answer(loop):
    referral = make_referral(personal_id())
    answer = loop.refer(referral)
    assert (answer["status"], answer["due_on"]) == ("accepted", "2026-04-01")
    [item] = loop.inbox()
    assert (item["referral_id"], item["from_sector"], item["reason"], item["state"], item["due_on"],
            item["overdue"], item["days_overdue"]) == (
        listed(referral), "health", "suspected_disability", "sent", "2026-04-01", True, 14)
    loop.answer("accept_referral", make_referral_answer(listed(referral), "accept"))
    assert states(loop.sent()) == [(listed(referral), "accepted")]
    loop.answer("complete_referral", make_referral_answer(listed(referral), "complete",
                                                          completed_on="2026-03-20"))
    [done] = loop.sent()
    assert (done["state"], done["outcome"], done["closed_on"], done["overdue"]) == (
        "completed", "service_delivered", "2026-03-20", False)
    assert loop.inbox(status="open") == [] and states(loop.inbox(status="completed")) == [
        (listed(referral), "completed")]


def test_the_inbox_lists_the_most_urgent_first(loop):
    routine = make_referral(personal_id(), referred_on="2026-03-01")
    urgent = make_referral(personal_id(), referred_on="2026-03-10", urgency="urgent",
                           reason="development_delay")
    later = make_referral(personal_id(), referred_on="2026-03-20")
    for referral in (later, routine, urgent):
        loop.refer(referral)
    assert [row["referral_id"] for row in loop.inbox()] == [
        listed(urgent), listed(routine), listed(later)]  # due 24/3, 31/3, 19/4


def test_answers_out_of_turn_are_typed_errors_and_store_nothing(loop, education_container, education_db):
    referral = make_referral(personal_id())
    loop.refer(referral)
    rid = listed(referral)
    with pytest.raises(Conflict, match="referral_id: referral .* is sent; it cannot take 'complete'"):
        call(education_container, "complete_referral", make_referral_answer(rid, "complete"))
    with pytest.raises(NotFound, match="referral_id: no referral ref-unknown was sent to education"):
        call(education_container, "accept_referral", make_referral_answer("ref-unknown", "accept"))
    with pytest.raises(ValidationFailed) as bad_date:
        call(education_container, "accept_referral",
             make_referral_answer(rid, "accept", accepted_on="2026-03-01"))
    assert bad_date.value.errors == {"accepted_on": ["Before the referral was sent on 2026-03-02."]}
    loop.answer("decline_referral", make_referral_answer(rid, "decline"))
    with pytest.raises(Conflict, match="is declined; it cannot take 'accept' now \\(allowed: none"):
        call(education_container, "accept_referral", make_referral_answer(rid, "accept"))
    kinds = education_db.scalars(select(EducationRecord.event_type)).all()
    assert kinds == ["referral_declined"]
    assert education_db.get(EducationReferral, rid).state == "declined"


def test_a_referral_to_a_sector_its_reason_does_not_go_to_is_refused_naming_the_field(
        health_container, health_db):
    with pytest.raises(ValidationFailed) as refused:
        call(health_container, "refer_child", make_referral(personal_id(), to_sector="registry"))
    assert refused.value.errors == {"to_sector": ["A referral for suspected_disability goes to health or "
                                                  "education or protection."]}
    assert health_db.scalar(select(func.count()).select_from(HealthRecord)) == 0


def test_a_retried_referral_answers_the_same_and_a_reused_referral_id_is_a_conflict(loop, health_container):
    referral = make_referral(personal_id())
    first = loop.refer(referral)
    assert call(health_container, "refer_child", referral) == first
    with pytest.raises(Conflict, match=f"referral_id: {referral['referral_id']} already names another"):
        call(health_container, "refer_child", {**referral, "record_id": "refer-other"})


def test_a_voided_referral_leaves_the_receivers_inbox(loop, health_container, education_container):
    referral = make_referral(personal_id())
    loop.refer(referral)
    write_and_wait(health_container, "void_record", [referral["record_id"], "wrong child"],
                   [(education_container, "handle_health_record_voided")])
    assert loop.inbox() == []


def test_only_an_officer_of_the_receiving_sector_and_commune_reads_the_inbox(loop):
    loop.refer(make_referral(personal_id()))
    with pytest.raises(Forbidden, match="lies outside the token's areas"):
        loop.inbox(as_token=TEACHER_THERE)
    with pytest.raises(Forbidden, match="read:referrals:education needs one of the roles teacher"):
        loop.inbox(as_token=HEALTH_WORKER)
    assert len(loop.inbox()) == 1


def test_a_referral_sent_while_the_receiver_was_down_reaches_its_inbox_by_catch_up(
        health_container, container_factory, service_config):
    referral = make_referral(personal_id())
    call(health_container, "refer_child", referral)  # education is not running: no queue holds it
    from services.education.service import EducationService

    education = container_factory(EducationService, service_config("education"))
    education.start()
    caught = call(education, "catch_up_referrals")
    assert caught["health"]["applied"] == 1
    assert call(education, "catch_up_referrals")["health"]["applied"] == 0  # a second run keeps nothing twice
    [item] = call(education, "referral_inbox", COMMUNE, as_of="2026-03-03", as_token=TEACHER)
    assert (item["referral_id"], item["state"], item["overdue"]) == (listed(referral), "sent", False)


def test_a_child_walks_through_all_four_sectors_with_accept_decline_complete_and_overdue(
        registry_container, health_container, education_container, protection_container):
    child = personal_id()
    waits = {"health": health_container, "education": education_container,
             "protection": protection_container, "registry": registry_container}

    def refer(sender, receiver, **fields):
        record = make_referral(child, to_sector=receiver, **fields)
        write_and_wait(waits[sender], "refer_child", [record],
                       [(waits[receiver], f"handle_{sender}_referral_sent")])
        return listed(record, sender)

    def answer(sender, receiver, method, record):
        event = {"accept_referral": "accepted", "decline_referral": "declined",
                 "complete_referral": "completed"}[method]
        write_and_wait(waits[receiver], method, [record],
                       [(waits[sender], f"handle_{receiver}_referral_{event}")])

    to_school = refer("health", "education")
    answer("health", "education", "accept_referral", make_referral_answer(to_school, "accept"))
    answer("health", "education", "complete_referral", make_referral_answer(to_school, "complete"))
    to_protection = refer("education", "protection", reason="dropped_out", referred_on="2026-03-05")
    answer("education", "protection", "decline_referral", make_referral_answer(
        to_protection, "decline", decline_reason="already_served"))
    to_registrar = refer("protection", "registry", reason="no_birth_registration", referred_on="2026-03-06")
    back_to_health = refer("registry", "health", reason="vaccination_overdue", urgency="urgent",
                           referred_on="2026-03-07")
    answer("registry", "health", "accept_referral", make_referral_answer(back_to_health, "accept"))

    def seen(container, method):
        return [(row["referral_id"], row["state"], row["overdue"]) for row in
                call(container, method, COMMUNE, as_of="2026-04-15")]

    assert seen(health_container, "referrals_sent") == [(to_school, "completed", False)]
    assert seen(education_container, "referrals_sent") == [(to_protection, "declined", False)]
    assert seen(registry_container, "referral_inbox") == [(to_registrar, "sent", True)]  # due 5/4
    assert seen(health_container, "referral_inbox") == [(back_to_health, "accepted", True)]  # due 14/3
    assert seen(protection_container, "referrals_sent") == [(to_registrar, "sent", True)]
    assert seen(registry_container, "referrals_sent") == [(back_to_health, "accepted", True)]


def test_two_sectors_giving_the_same_referral_id_send_two_referrals(
        loop, health_container, protection_container, education_container):
    health_one = make_referral(personal_id(), referral_id="REF-1")
    protection_one = make_referral(personal_id(), referral_id="REF-1", reason="dropped_out")
    loop.refer(health_one)
    write_and_wait(protection_container, "refer_child", [protection_one],
                   [(education_container, "handle_protection_referral_sent")])
    assert sorted((row["referral_id"], row["child_id"], row["from_sector"]) for row in loop.inbox()) == [
        ("health:REF-1", health_one["child_id"], "health"),
        ("protection:REF-1", protection_one["child_id"], "protection")]


def test_a_referral_withdrawn_after_it_was_accepted_leaves_both_lists_and_takes_no_more_answers(
        loop, health_container, education_container):
    referral = make_referral(personal_id())
    loop.refer(referral)
    loop.answer("accept_referral", make_referral_answer(listed(referral), "accept"))
    write_and_wait(health_container, "void_record", [referral["record_id"], "wrong child"],
                   [(education_container, "handle_health_record_voided")])
    assert (loop.inbox(), loop.sent()) == ([], [])
    with pytest.raises(NotFound, match="referral_id: no referral health:"):
        call(education_container, "complete_referral", make_referral_answer(listed(referral), "complete"))


def test_the_log_other_sectors_follow_for_referrals_holds_only_referral_events_and_their_voids(
        loop, health_container, education_container):
    from tests.support.factories import make_vaccination

    child = personal_id()
    call(health_container, "record_vaccination", make_vaccination(child))
    kept, withdrawn = make_referral(child), make_referral(child)
    loop.refer(kept)
    loop.refer(withdrawn)
    call(health_container, "void_record", withdrawn["record_id"], "sent twice")
    entries = call(health_container, "referral_events_since", 0, 10)
    assert [(e["envelope"]["event_type"], e["envelope"]["payload"].get("referral_id")) for e in entries] == [
        ("referral_sent", listed(kept)), ("referral_sent", listed(withdrawn)), ("record_voided", None)]
    assert len(call(health_container, "events_since", 0, 10)) == 4  # the dose is in the whole log only


def test_a_referral_sent_before_the_2025_map_is_in_its_wards_inbox_after_it(loop):
    before = make_referral(personal_id(), referred_on="2025-06-10", commune_code=NEIGHBOUR)  # legacy 03391
    loop.refer(before)
    [item] = loop.inbox()  # ward 03388 on 15/04/2026, which 03391 merged into
    assert (item["referral_id"], item["commune_code"]) == (listed(before), NEIGHBOUR)
