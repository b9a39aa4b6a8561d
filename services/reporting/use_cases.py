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

``apply_events`` applies many events in ONE transaction, each still exactly once
(``batch_projection``); ``apply_batch`` falls back to one transaction per event when a batch fails,
so a poison event fails alone and the others are applied. The consumer gathers batches from the
handlers' workers (``shared.plumbing.batching``); catch-up applies a log page as one batch. The
handlers count what they consumed (``ecd_events_consumed_total``, in ``shared.plumbing.consumer``):
an event already applied comes back to its handler as ``ALREADY_APPLIED``.
"""

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from services.reporting import batch_projection, merging
from services.reporting.batch_writes import BatchRepository
from services.reporting.orm import SourcePosition
from services.reporting.repository import ReportingRepository
from services.reporting.sources import PROJECTIONS, REPROJECT
from services.reporting.sources.referrals import projection as referrals
from shared.contracts.events import load_envelope
from shared.contracts.identity import is_link_event
from shared.contracts.referrals import is_referral_event
from shared.plumbing.consumer import ALREADY_APPLIED
from shared.plumbing.db import ending_open_transaction
from shared.plumbing.event_logs import Fetch, Park, follow_log
from shared.plumbing.metrics import ServiceMetrics
from shared.rules.admin_units import admin_units
from shared.rules.clock import utc_now

_log = logging.getLogger(__name__)


def apply_event(session: Session, body: dict | None, metrics: ServiceMetrics) -> bool:
    """Apply one event in one transaction; False if it had been applied before. A failure ends the
    transaction before the event is retried or parked."""
    with ending_open_transaction(session):
        return _apply(session, load_envelope(body), body, metrics)


def apply_events(session: Session, bodies: list[dict | None], metrics: ServiceMetrics) -> int:
    """Apply ``bodies`` in ONE transaction; returns how many were applied (the others had been, or
    came twice). Raises if any cannot be applied: the transaction then ends with nothing stored."""
    return sum(apply_events_each(session, bodies, metrics))


def apply_events_each(session: Session, bodies: list[dict | None], metrics: ServiceMetrics) -> list[bool]:
    """``apply_events``, answering for each body whether it was applied (False: it was there)."""
    with ending_open_transaction(session):
        events = [(load_envelope(body), body) for body in bodies]
        repo = BatchRepository(session)
        fresh, _ = batch_projection.claim(repo, events)
        if fresh:
            batch_projection.project(repo, fresh)
        session.commit()
    measure_lag(metrics, [envelope for envelope, _ in fresh])
    metrics.batch_events.labels().observe(len(bodies))
    taken = {id(event) for event in fresh}
    return [id(event) in taken for event in events]


def apply_batch(session: Session, bodies: list[dict | None], metrics: ServiceMetrics
                ) -> list[Exception | str | None]:
    """``apply_events``; if the batch fails, each event in its own transaction. For each body in its
    place: its failure, for its handler to retry or park alone; ``ALREADY_APPLIED`` if it had been
    applied (the consumer counts it a duplicate); None once applied."""
    try:
        applied = apply_events_each(session, bodies, metrics)
        return [None if each else ALREADY_APPLIED for each in applied]
    except Exception as error:  # any failure: the one-by-one path finds which event it was
        _log.info("a batch of %s events failed (%s); applying them one by one", len(bodies),
                  type(error).__name__)  # a database error's text carries the rows' data
    outcomes: list[Exception | str | None] = []
    for body in bodies:
        try:
            outcomes.append(None if apply_event(session, body, metrics) else ALREADY_APPLIED)
        except Exception as error:
            outcomes.append(error)
    return outcomes


def _apply(session: Session, envelope: dict, body: dict, metrics: ServiceMetrics) -> bool:
    repo = ReportingRepository(session)
    source, event_type, child_id = envelope["source"], envelope["event_type"], envelope["child_id"]
    if not repo.claim_event(envelope["event_id"], event_type, source, envelope.get("recorded_at")):
        session.rollback()
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
    measure_lag(metrics, [envelope])
    return True


def measure_lag(metrics: ServiceMetrics, applied: list[dict]) -> None:
    """``ecd_projection_lag_seconds{source}``: how old the newest event just applied from each source
    was (its ``recorded_at``). Set only when something is applied (or a catch-up finds nothing
    missing: 0), so it does not grow while nothing new comes; a projection that stopped applying shows
    in ``ecd_queue_messages`` instead."""
    newest: dict[str, datetime] = {}
    for envelope in applied:
        recorded = envelope.get("recorded_at")
        recorded = datetime.fromisoformat(recorded) if isinstance(recorded, str) else recorded
        if isinstance(recorded, datetime) and recorded.tzinfo is not None:
            newest[envelope["source"]] = max(recorded, newest.get(envelope["source"], recorded))
    now = utc_now()
    for source, recorded in newest.items():
        metrics.projection_lag.labels(source).set(max((now - recorded).total_seconds(), 0.0))


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
                        repo.processed_among, lambda envelope: apply_event(session, envelope, metrics), park,
                        lambda envelopes: apply_events(session, envelopes, metrics))
    repo.save_log_check(source, started, result["applied"], None)
    session.commit()
    if not result["applied"]:  # read to its end, nothing missing: the projection is level with it
        metrics.projection_lag.labels(source).set(0)
    return result


def note_unreachable(session: Session, source: str, reason: str) -> None:
    """The last catch-up could not read ``source``'s log: reports say why."""
    ReportingRepository(session).save_log_check(source, utc_now(), None, reason[:200])
    session.commit()
