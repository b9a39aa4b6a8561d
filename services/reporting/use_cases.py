"""Reporting's use cases: apply one event, and catch up from the producers' event logs.

``apply_event`` runs one transaction: claim the event id (a redelivery stops there), lock the ids
the event touches (with every id ever linked to them), store the fact under ``(source, record_id)``,
let the source's projection rewrite what it owns for the child from all its facts (a referral event,
or a void of one: the referral projection, from the child's referral facts of every source), commit.
A child known under more than one id, a provisional id, a link or an unlink: ``merging`` re-projects
the whole group instead, keyed by the child each id now is. ``catch_up`` pages a producer's
``events_since`` log past the saved position and applies each entry the same way, so it recovers
what the broker could not deliver and rebuilds a wiped view; applying an event twice is a no-op. An
entry that can never apply (it breaks the contract) is dead-lettered and passed, so one bad event
cannot hold reporting behind for ever.
"""

from sqlalchemy.orm import Session

from services.reporting import merging
from services.reporting.orm import SourcePosition
from services.reporting.repository import ReportingRepository
from services.reporting.sources import PROJECTIONS, REPROJECT
from services.reporting.sources.referrals import projection as referrals
from shared.contracts.events import load_envelope
from shared.contracts.identity import is_link_event
from shared.contracts.referrals import is_referral_event
from shared.plumbing.db import ending_open_transaction
from shared.plumbing.event_logs import Fetch, Park, follow_log
from shared.plumbing.metrics import ServiceMetrics
from shared.rules.admin_units import admin_units
from shared.rules.clock import utc_now


def apply_event(session: Session, body: dict | None, metrics: ServiceMetrics) -> bool:
    """Apply one event in one transaction; False if it had been applied before. A failure ends the
    transaction before the event is retried or parked."""
    with ending_open_transaction(session):
        return _apply(session, load_envelope(body), body, metrics)


def _apply(session: Session, envelope: dict, body: dict, metrics: ServiceMetrics) -> bool:
    repo = ReportingRepository(session)
    source, event_type, child_id = envelope["source"], envelope["event_type"], envelope["child_id"]
    if not repo.claim_event(envelope["event_id"], event_type, source, envelope.get("recorded_at")):
        session.rollback()
        metrics.events_consumed.labels(event_type, "duplicate").inc()
        return False
    group = merging.lock_group(repo, merging.involved(envelope))
    repo.add_fact(source, envelope["payload"]["record_id"], child_id, event_type, body["payload"])
    if is_link_event(event_type):
        repo.add_link(envelope["payload"]["record_id"], envelope["payload"]["provisional_id"], child_id)
    if merging.needs_merging(event_type, child_id, group):
        merging.reproject(repo, group, admin_units())
    else:
        _project(repo, source, event_type, child_id, envelope["payload"])
    session.commit()
    metrics.events_consumed.labels(event_type, "applied").inc()
    return True


def _project(repo: ReportingRepository, source: str, event_type: str, child_id: str, payload: dict) -> None:
    """A child known by one id only: the event's source projection (and those that read it)."""
    if not is_referral_event(event_type):  # referrals: no source projection reads them
        PROJECTIONS[source](repo, child_id, repo.facts_for(child_id, source), event_type, admin_units())
    if referrals.touches_referrals(repo, source, event_type, payload):
        referrals.project(repo, child_id, admin_units())  # every source's referral facts at once
    for dependent in REPROJECT.get((source, event_type), ()):
        if facts := repo.facts_for(child_id, dependent):  # nothing to re-read: one query, no writes
            PROJECTIONS[dependent](repo, child_id, facts, event_type, admin_units())


def catch_up(session: Session, source: str, fetch: Fetch, metrics: ServiceMetrics, park: Park) -> dict:
    """Apply what ``source``'s event log holds past the saved position (``shared.plumbing.event_logs``),
    and note when the log was read to its end and how many events were missing (freshness)."""
    repo, started = ReportingRepository(session), utc_now()
    result = follow_log(session, source, fetch, SourcePosition, lambda envelope: envelope.get("event_id"),
                        repo.processed_among, lambda envelope: apply_event(session, envelope, metrics), park)
    repo.save_log_check(source, started, result["applied"], None)
    session.commit()
    return result


def note_unreachable(session: Session, source: str, reason: str) -> None:
    """The last catch-up could not read ``source``'s log: reports say why."""
    ReportingRepository(session).save_log_check(source, utc_now(), None, reason[:200])
    session.commit()
