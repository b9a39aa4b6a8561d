"""Referral rules as data: where a reason may go, its deadline, one transition table, and a fold that
gives the same state whatever order a referral's events arrive in."""

from datetime import date
from itertools import permutations

import pytest

from shared.rules import referrals


def test_each_reason_names_the_sectors_that_may_receive_it():
    assert referrals.receivers("severe_wasting") == ["health"]
    assert referrals.receivers("no_birth_registration") == ["registry"]
    assert referrals.receivers("dropped_out") == ["education", "protection"]
    sectors = set(referrals.rules()["sectors"])
    assert {s for reason in referrals.reasons() for s in referrals.receivers(reason)} <= sectors


def test_the_deadline_comes_from_the_reason_and_the_urgency():
    sent = date(2026, 3, 1)
    assert referrals.due_on("severe_wasting", "urgent", sent) == date(2026, 3, 3)
    assert referrals.due_on("severe_wasting", "routine", sent) == date(2026, 3, 8)
    assert referrals.due_on("protection_concern", "urgent", sent) == date(2026, 3, 2)


@pytest.mark.parametrize("state, answer, then", [
    ("sent", "accept", "accepted"), ("sent", "decline", "declined"), ("accepted", "complete", "completed"),
    ("accepted", "decline", "declined"), ("sent", "complete", None), ("accepted", "accept", None),
    ("completed", "decline", None), ("declined", "accept", None),
])
def test_one_transition_table_says_which_answer_each_state_takes(state, answer, then):
    assert referrals.next_state(state, answer) == then


def test_a_referrals_events_fold_to_one_state_in_any_order():
    assert {referrals.fold(order) for order in permutations(["sent", "accepted", "completed"])} == {
        "completed"}
    assert referrals.fold(["accepted", "sent"]) == "accepted"  # a late referral_sent
    assert referrals.fold([]) == "sent"


def test_only_an_open_referral_past_its_deadline_is_overdue():
    due = date(2026, 3, 8)
    assert [referrals.is_overdue(state, due, date(2026, 3, 9)) for state in
            ("sent", "accepted", "completed", "declined")] == [True, True, False, False]
    assert referrals.is_overdue("sent", due, due) is False


def test_a_referral_to_from_or_about_protection_is_protection_data():
    assert referrals.is_protected("health", "protection", "suspected_disability") is True
    assert referrals.is_protected("protection", "health", "severe_wasting") is True
    assert referrals.is_protected("health", "health", "protection_concern") is True
    assert referrals.is_protected("health", "education", "development_delay") is False


def test_every_sector_reason_state_and_urgency_has_a_vietnamese_name():
    rules = referrals.rules()
    for kind, codes in (("sectors", rules["sectors"]), ("reasons", referrals.reasons()),
                        ("states", rules["states"]), ("urgencies", rules["urgencies"])):
        for code in codes:
            vi, en = referrals.label(kind, code)
            assert vi != code and en, (kind, code)
    assert referrals.label("sectors", "protection") == ("Bảo vệ trẻ em", "child protection")


def test_the_network_is_counted_by_legacy_district_and_by_commune_on_the_2025_map():
    assert (referrals.network_unit("legacy"), referrals.network_unit("2025")) == (
        "legacy_district", "commune")
    assert referrals.network_rules()["works_when"] == {"completed_at_least": 1, "different_sectors": True,
                                                      "overdue_days": 30, "overdue_at_most": 0}


def test_an_automatic_referrals_id_names_rule_child_and_firing_and_is_never_longer_than_a_callers():
    from shared.kit.referral_rules import firing_id

    assert firing_id("severe_wasting", "012324000001", 2) == "auto:severe_wasting:012324000001:2"
    rule, child = "suspected_in_special_circumstance", "P" * 32
    long = firing_id(rule, child, 1)
    assert (len(long), long.endswith(":1"), long == firing_id(rule, child, 1)) == (39, True, True)
