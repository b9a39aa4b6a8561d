"""The referral events' fold: one referral's state and dates from its facts, whatever the order."""

from datetime import date
from itertools import permutations

from shared.contracts import load_fact
from shared.contracts.facts import VOIDED, Fact
from shared.contracts.referrals import fold_referrals

BOTH = {"referral_id": "ref-1", "from_sector": "health", "to_sector": "education", "commune_code": "00001"}


def sent_fact() -> Fact:
    return Fact("health", "r-sent", "referral_sent", {
        "record_id": "r-sent", **BOTH, "reason": "suspected_disability", "urgency": "routine",
        "referred_on": date(2026, 3, 1), "due_on": date(2026, 3, 31), "rule": None})


def answer_fact(event_type: str, record_id: str, on: date, **extra) -> Fact:
    return Fact("education", record_id, event_type, {"record_id": record_id, **BOTH, "answered_on": on,
                                                    **extra})


def test_a_referral_sent_accepted_and_completed_folds_to_completed_in_every_arrival_order():
    facts = [sent_fact(), answer_fact("referral_accepted", "r-acc", date(2026, 3, 5)),
             answer_fact("referral_completed", "r-done", date(2026, 3, 20), outcome="service_delivered")]
    for order in permutations(facts):
        [referral] = fold_referrals(order)
        assert (referral.state, referral.reason, referral.accepted_on, referral.closed_on, referral.outcome) \
            == ("completed", "suspected_disability", date(2026, 3, 5), date(2026, 3, 20), "service_delivered")


def test_an_acceptance_that_arrives_before_its_referral_is_accepted_and_learns_its_reason_later():
    [early] = fold_referrals([answer_fact("referral_accepted", "r-acc", date(2026, 3, 5))])
    assert (early.state, early.reason, early.due_on) == ("accepted", None, None)
    [late] = fold_referrals([answer_fact("referral_accepted", "r-acc", date(2026, 3, 5)), sent_fact()])
    assert (late.state, late.reason, late.due_on) == ("accepted", "suspected_disability", date(2026, 3, 31))


def test_a_referral_is_overdue_only_while_open_and_past_its_deadline_and_reads_as_it_stood_on_a_day():
    [open_one] = fold_referrals([sent_fact()])
    assert (open_one.is_overdue(date(2026, 3, 31)), open_one.is_overdue(date(2026, 4, 1))) == (False, True)
    [done] = fold_referrals([sent_fact(), answer_fact("referral_accepted", "r-acc", date(2026, 3, 5)),
                             answer_fact("referral_completed", "r-done", date(2026, 4, 20),
                                         outcome="not_needed")])
    assert done.is_overdue(date(2026, 4, 10)) is False
    assert [done.state_on(day) for day in (date(2026, 3, 2), date(2026, 3, 5), date(2026, 4, 20))] \
        == ["sent", "accepted", "completed"]


def test_a_voided_acceptance_no_longer_counts_and_other_event_types_are_ignored():
    void = Fact("education", "v1", VOIDED, {"record_id": "v1", "voided_record_id": "r-acc",
                                           "voided_event_type": "referral_accepted", "reason": "typo"})
    other = load_fact("health", "h1", "health_check_recorded",
                      {"record_id": "h1", "checked_on": "2026-03-01", "commune_code": "00001"})
    [referral] = fold_referrals([sent_fact(), answer_fact("referral_accepted", "r-acc", date(2026, 3, 5)),
                                 void, other])
    assert (referral.state, referral.accepted_on) == ("sent", None)


def test_a_referral_whose_sending_was_voided_is_gone_even_if_an_answer_arrives_after_the_void():
    void = Fact("health", "v-sent", VOIDED, {"record_id": "v-sent", "voided_record_id": "r-sent",
                                            "voided_event_type": "referral_sent", "reason": "wrong child"})
    late = answer_fact("referral_accepted", "r-acc", date(2026, 3, 5))
    for order in permutations([sent_fact(), void, late]):
        assert fold_referrals(order) == []


def test_two_closing_answers_fold_to_the_same_state_in_either_order():
    declined = answer_fact("referral_declined", "r-dec", date(2026, 3, 5), decline_reason="other")
    done = answer_fact("referral_completed", "r-done", date(2026, 3, 6), outcome="not_needed")
    assert {fold_referrals([sent_fact(), declined, done])[0].state,
            fold_referrals([done, declined, sent_fact()])[0].state} == {"declined"}
