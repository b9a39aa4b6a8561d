"""Referral events of several sources reach reporting through the real RabbitMQ, on PostgreSQL: each
referral's state in the child view, whatever order its sender's and receiver's events arrive in,
with a decline and a void; referrals to, from or about protection only for a protection officer."""

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from services.reporting import use_cases
from services.reporting.orm import Referral
from services.reporting.repository import ReportingRepository
from shared.plumbing.metrics import service_metrics
from tests.support.factories import (
    make_birth_envelope,
    make_referral_answer_payload,
    make_referral_envelope,
    make_referral_payload,
    make_token,
    make_void_envelope,
)
from tests.support.hooks import call

OFFICER = make_token()  # protection officer of 03388, the child's commune
COMMUNE_OFFICER = make_token("commune_officer", user_id="commune-officer-1")
AUDITOR = make_token("auditor", communes=(), user_id="auditor-1", purpose="quarterly audit")


def publish(reporting, envelope: dict) -> None:
    """Publish as the envelope's source does, and wait until reporting's handler has applied it."""
    handler = f"handle_{envelope['source']}_{envelope['event_type']}"
    with entrypoint_waiter(reporting, handler):
        event_dispatcher(reporting.config)(envelope["source"], envelope["event_type"], envelope)


@pytest.fixture
def child(reporting_container) -> str:
    """A child registered in 03388 with four referrals, each published by its own sector:

    * A health -> education (suspected disability): education's acceptance arrives BEFORE health's
      referral, then education completes it;
    * B education -> protection (dropped out): protection declines it (a duplicate);
    * C health -> registry (no insurance card): the registry accepts it, then voids that acceptance,
      so it is sent again, and past its deadline (2 April 2025) today;
    * D protection -> health (severe wasting), open: protection data, as B is.
    """
    birth = make_birth_envelope()
    child_id = birth["child_id"]
    publish(reporting_container, birth)
    a = make_referral_payload(referral_id="A", referred_on="2025-03-03")
    b = make_referral_payload(referral_id="B", from_sector="education", to_sector="protection",
                              reason="dropped_out")
    c = make_referral_payload(referral_id="C", to_sector="registry", reason="no_insurance_card")
    d = make_referral_payload(referral_id="D", from_sector="protection", to_sector="health",
                              reason="severe_wasting", urgency="urgent", referred_on="2025-03-10")
    c_accepted = make_referral_answer_payload(c, answered_on="2025-03-04")
    for source, event_type, payload in (
            ("education", "referral_accepted", make_referral_answer_payload(a, answered_on="2025-03-05")),
            ("health", "referral_sent", a),
            ("education", "referral_completed", make_referral_answer_payload(a, "referral_completed",
                                                                     answered_on="2025-03-25")),
            ("education", "referral_sent", b),
            ("protection", "referral_declined", make_referral_answer_payload(b, "referral_declined",
                                                                     decline_reason="duplicate")),
            ("health", "referral_sent", c), ("registry", "referral_accepted", c_accepted),
            ("protection", "referral_sent", d)):
        publish(reporting_container, make_referral_envelope(source, event_type, child_id, payload))
    publish(reporting_container, make_void_envelope("registry", child_id, c_accepted, "referral_accepted"))
    return child_id


def states(section: dict) -> list[tuple]:
    return [(r["referral_id"], r["from_sector"], r["to_sector"], r["state"], r["accepted_on"], r["closed_on"],
             r["overdue"]) for r in section["referrals"]]


A = ("A", "health", "education", "completed", "2025-03-05", "2025-03-25", False)
B = ("B", "education", "protection", "declined", None, "2025-03-03", False)
C = ("C", "health", "registry", "sent", None, None, True)
D = ("D", "protection", "health", "sent", None, None, True)


def test_a_protection_officer_sees_every_referral_in_its_state_whatever_the_arrival_order(
        reporting_container, child):
    section = call(reporting_container, "child_view", child, as_token=OFFICER)["referrals"]
    assert states(section) == [A, B, C, D]
    assert "protection_referrals" not in section
    completed, declined = section["referrals"][0], section["referrals"][1]
    assert (completed["reason"], completed["due_on"], completed["outcome"]) == (
        "suspected_disability", "2025-04-02", "service_delivered")
    assert declined["decline_reason"] == "duplicate"


def test_another_officer_sees_the_other_referrals_and_that_protection_ones_are_withheld(
        reporting_container, child):
    section = call(reporting_container, "child_view", child, as_token=COMMUNE_OFFICER)["referrals"]
    assert states(section) == [A, C]
    assert section["protection_referrals"] == {"withheld": (
        "Referrals to, from or about protection are shown only to protection officers of the child's "
        "communes.")}
    log = call(reporting_container, "audit_log", child, as_token=AUDITOR)
    assert [(e["user_id"], e["action"], e["outcome"]) for e in log if e["action"] == "read_child_view"] == [
        ("commune-officer-1", "read_child_view", "withheld")]


def test_a_child_without_protection_referrals_gets_the_same_withheld_note_and_no_audit(reporting_container):
    birth = make_birth_envelope()
    publish(reporting_container, birth)
    view = call(reporting_container, "child_view", birth["child_id"], as_token=COMMUNE_OFFICER)
    assert view["referrals"] == {"referrals": [], "protection_referrals": {"withheld": (
        "Referrals to, from or about protection are shown only to protection officers of the child's "
        "communes.")}}
    assert call(reporting_container, "audit_log", as_token=AUDITOR)[1:] == []  # only the auditor's read


def test_catching_up_from_the_senders_and_receivers_logs_gives_the_same_referral(reporting_db,
                                                                                reporting_container):
    """The same path as the handlers: the receiver's log read before the sender's, the sender's twice."""
    birth = make_birth_envelope()
    sent = make_referral_payload(referral_id="L")
    logs = {"education": [make_referral_envelope("education", "referral_completed", birth["child_id"],
                                                 make_referral_answer_payload(sent, "referral_completed"))],
            "health": [make_referral_envelope("health", "referral_sent", birth["child_id"], sent)]}
    metrics, parked = service_metrics("reporting"), []
    for source in ("education", "health", "health"):
        entries = [{"position": n + 1, "envelope": e} for n, e in enumerate(logs[source])]
        use_cases.catch_up(reporting_db, source, lambda after, entries=entries: entries[after:], metrics,
                           lambda *args: parked.append(args))
    [row] = ReportingRepository(reporting_db).rows_of(Referral, birth["child_id"])
    assert (row.referral_id, row.state, row.reason, row.legacy_district, parked) == (
        "L", "completed", "suspected_disability", "105", [])
