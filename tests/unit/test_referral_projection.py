"""The referral projection: every source's referral facts of a child fold into one row per referral,
placed where it was made on both maps, the same in any arrival order, after a redelivery or a void."""

from datetime import date
from itertools import permutations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.reporting.orm import Referral, ReportingBase
from services.reporting.repository import ReportingRepository
from services.reporting.sources.referrals.projection import referral_rows, touches_referrals
from services.reporting.use_cases import apply_event
from shared.contracts import load_fact
from shared.plumbing.metrics import service_metrics
from shared.rules.admin_units import admin_units
from tests.support.factories import (
    make_referral_answer_payload,
    make_referral_envelope,
    make_referral_payload,
    make_void_envelope,
    personal_id,
)

COLUMNS = ("referral_id", "from_sector", "to_sector", "reason", "referred_on", "due_on", "state",
           "accepted_on", "closed_on", "decline_reason", "outcome", "protected", "commune_code",
           "legacy_district", "legacy_commune", "current_province", "current_commune")


def fact(source: str, event_type: str, payload: dict):
    return load_fact(source, payload["record_id"], event_type, payload)


def row_of(facts) -> dict:
    [row] = referral_rows("child-1", list(facts), admin_units())
    return {column: row[column] for column in COLUMNS}


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    ReportingBase.metadata.create_all(engine)
    with Session(engine) as db:
        yield db
    engine.dispose()


def stored_rows(session, child_id: str) -> list[tuple]:
    return sorted((r.referral_id, r.state, r.reason, r.accepted_on, r.closed_on, r.outcome)
                  for r in ReportingRepository(session).rows_of(Referral, child_id))


def test_a_completed_referral_is_one_row_placed_on_both_maps_where_it_was_sent():
    sent = make_referral_payload(referral_id="REF-A", referred_on="2025-03-03")
    facts = [fact("health", "referral_sent", sent),
             fact("education", "referral_accepted",
                  make_referral_answer_payload(sent, answered_on="2025-03-05")),
             fact("education", "referral_completed",
                  make_referral_answer_payload(sent, "referral_completed", answered_on="2025-03-20"))]
    assert row_of(facts) == {
        "referral_id": "REF-A", "from_sector": "health", "to_sector": "education",
        "reason": "suspected_disability", "referred_on": date(2025, 3, 3), "due_on": date(2025, 4, 2),
        "state": "completed", "accepted_on": date(2025, 3, 5), "closed_on": date(2025, 3, 20),
        "decline_reason": None, "outcome": "service_delivered", "protected": False,
        "commune_code": "03388", "legacy_district": "105", "legacy_commune": "03388",
        "current_province": "12", "current_commune": "03388"}


def test_a_referral_sent_on_the_2025_map_has_no_legacy_placement():
    sent = make_referral_payload(referred_on="2025-08-04", commune_code="03408")
    row = row_of([fact("health", "referral_sent", sent)])
    assert (row["legacy_district"], row["legacy_commune"], row["current_province"], row["current_commune"]) \
        == (None, None, "12", "03408")


def test_an_answer_before_its_referral_is_placed_by_its_own_day_and_learns_its_reason_later():
    sent = make_referral_payload(referred_on="2025-06-28", due_on="2025-07-28")
    accepted = fact("education", "referral_accepted",
                    make_referral_answer_payload(sent, answered_on="2025-07-02"))
    early = row_of([accepted])
    assert (early["state"], early["reason"], early["legacy_commune"], early["current_commune"]) == (
        "accepted", None, None, "03388")  # read on the 2025 map: its answer came after 1 July
    late = row_of([accepted, fact("health", "referral_sent", sent)])
    assert (late["state"], late["reason"], late["legacy_commune"], late["referred_on"]) == (
        "accepted", "suspected_disability", "03388", date(2025, 6, 28))


@pytest.mark.parametrize(("sender", "receiver", "reason", "protected"), [
    ("health", "education", "development_delay", False),
    ("education", "protection", "dropped_out", True),
    ("protection", "health", "severe_wasting", True),
    ("health", "protection", "protection_concern", True),
])
def test_a_referral_to_from_or_about_protection_is_marked_protected(sender, receiver, reason, protected):
    sent = make_referral_payload(from_sector=sender, to_sector=receiver, reason=reason)
    assert row_of([fact(sender, "referral_sent", sent)])["protected"] is protected


def test_a_void_withdraws_only_the_record_of_the_source_that_voids_it():
    sent = make_referral_payload(referral_id="REF-V")
    accepted = make_referral_answer_payload(sent, record_id="same-id")
    void = make_void_envelope("education", "c", accepted, "referral_accepted")["payload"]
    other = make_void_envelope("health", "c", accepted, "referral_accepted")["payload"]
    base = [fact("health", "referral_sent", sent), fact("education", "referral_accepted", accepted)]
    assert row_of([*base, fact("health", "record_voided", other)])["state"] == "accepted"
    assert row_of([*base, fact("education", "record_voided", void)])["state"] == "sent"


def a_childs_referral_events(child: str) -> list[dict]:
    """Two referrals of one child: health to education, accepted and completed; education to
    protection, declined."""
    first = make_referral_payload(referral_id="REF-1")
    second = make_referral_payload(referral_id="REF-2", from_sector="education", to_sector="protection",
                           reason="dropped_out")
    return [
        make_referral_envelope("health", "referral_sent", child, first),
        make_referral_envelope("education", "referral_accepted", child,
                               make_referral_answer_payload(first, answered_on="2025-03-04")),
        make_referral_envelope("education", "referral_completed", child, make_referral_answer_payload(
            first, "referral_completed", answered_on="2025-03-10")),
        make_referral_envelope("education", "referral_sent", child, second),
        make_referral_envelope("protection", "referral_declined", child, make_referral_answer_payload(
            second, "referral_declined", answered_on="2025-03-06")),
    ]


def test_every_arrival_order_of_a_childs_referral_events_gives_the_same_rows(session):
    expected = [("REF-1", "completed", "suspected_disability", date(2025, 3, 4), date(2025, 3, 10),
                 "service_delivered"),
                ("REF-2", "declined", "dropped_out", None, date(2025, 3, 6), None)]
    metrics = service_metrics("reporting")
    for order in permutations(range(5)):
        child = personal_id()
        events = a_childs_referral_events(child)  # new record ids: facts are named by source and id
        for n in order:
            apply_event(session, events[n], metrics)
        assert stored_rows(session, child) == expected


def test_a_redelivered_referral_event_and_a_late_void_leave_one_right_row(session):
    child, metrics = personal_id(), service_metrics("reporting")
    sent = make_referral_payload(referral_id="REF-R")
    accepted = make_referral_answer_payload(sent, answered_on="2025-03-04")
    sent_envelope = make_referral_envelope("health", "referral_sent", child, sent)
    for envelope in (sent_envelope, sent_envelope,
                     make_referral_envelope("education", "referral_accepted", child, accepted)):
        apply_event(session, envelope, metrics)
    assert stored_rows(session, child) == [("REF-R", "accepted", "suspected_disability",
                                            date(2025, 3, 4), None, None)]
    apply_event(session, make_void_envelope("education", child, accepted, "referral_accepted"), metrics)
    assert stored_rows(session, child) == [("REF-R", "sent", "suspected_disability", None, None, None)]


class StoredTypes:
    """What the fact store answers ``event_type_of``: one referral record of education's."""

    def event_type_of(self, source: str, record_id: str) -> str | None:
        return "referral_accepted" if (source, record_id) == ("education", "acc-1") else None


@pytest.mark.parametrize(("source", "event_type", "payload", "touches"), [
    ("health", "referral_sent", {}, True),
    ("health", "vaccination_recorded", {}, False),
    ("education", "record_voided", {"voided_record_id": "x", "voided_event_type": "referral_declined"}, True),
    ("education", "record_voided", {"voided_record_id": "acc-1", "voided_event_type": "enrolment_recorded"},
     True),  # the void names another type, but the record it voids is a referral's
    ("health", "record_voided", {"voided_record_id": "acc-1", "voided_event_type": "enrolment_recorded"},
     False),  # the same id in another source is another record
])
def test_the_referral_projection_runs_for_referral_events_and_their_voids_only(source, event_type, payload,
                                                                              touches):
    assert touches_referrals(StoredTypes(), source, event_type, payload) is touches
