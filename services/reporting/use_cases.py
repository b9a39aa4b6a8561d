"""Reporting's use cases: apply one event, and catch up from the producers' event logs.

``apply_event`` runs one transaction: claim the event id (a redelivery stops there), store the fact
under ``(source, record_id)``, let the source's projection rewrite what it owns for the child from
all its facts, commit. ``catch_up`` pages a producer's ``events_since`` log past the saved position
and applies each entry the same way, so it recovers what the broker could not deliver and rebuilds
a wiped view; applying an event twice is a no-op. An entry that can never apply (it breaks the
contract) is dead-lettered and passed, so one bad event cannot hold reporting behind for ever.
"""

from collections.abc import Callable

from sqlalchemy.orm import Session

from services.reporting.projections import PROJECTIONS, REPROJECT
from services.reporting.repository import ReportingRepository
from shared.admin_units import admin_units
from shared.events import load_envelope
from shared.exceptions import ValidationFailed
from shared.metrics import ServiceMetrics

FetchEvents = Callable[[int], list[dict]]
Park = Callable[[object, BaseException, str, str], None]


def apply_event(session: Session, body: dict, metrics: ServiceMetrics) -> bool:
    """Apply one event in one transaction; False if it had been applied before."""
    envelope = load_envelope(body)
    repo = ReportingRepository(session)
    source, event_type, child_id = envelope["source"], envelope["event_type"], envelope["child_id"]
    if not repo.claim_event(envelope["event_id"], event_type, source):
        session.rollback()
        metrics.events_consumed.labels(event_type, "duplicate").inc()
        return False
    repo.lock_child(child_id)
    repo.add_fact(source, envelope["payload"]["record_id"], child_id, event_type, body["payload"])
    PROJECTIONS[source](repo, child_id, repo.facts_for(child_id, source), event_type, admin_units())
    for dependent in REPROJECT.get((source, event_type), ()):
        if facts := repo.facts_for(child_id, dependent):  # nothing to re-read: one query, no writes
            PROJECTIONS[dependent](repo, child_id, facts, event_type, admin_units())
    session.commit()
    metrics.events_consumed.labels(event_type, "applied").inc()
    return True


def apply_logged(session: Session, source: str, entry: dict, metrics: ServiceMetrics,
                 park: Park) -> bool:
    envelope = entry.get("envelope") if isinstance(entry, dict) else None
    try:
        return apply_event(session, envelope, metrics)
    except ValidationFailed as error:
        session.rollback()
        event_type = envelope.get("event_type") if isinstance(envelope, dict) else None
        park(envelope, error, source, str(event_type))
        return False


def _event_id(entry: object) -> object:
    envelope = entry.get("envelope") if isinstance(entry, dict) else None
    return envelope.get("event_id") if isinstance(envelope, dict) else None


def catch_up(session: Session, source: str, fetch: FetchEvents, metrics: ServiceMetrics,
             park: Park) -> dict:
    """Page the log past the saved position; entries already processed (most of them, when the
    broker delivered them) are skipped with one query per page instead of one claim each."""
    repo = ReportingRepository(session)
    position, read, applied = repo.position(source), 0, 0
    while batch := fetch(position):
        seen = repo.processed_among([i for i in map(_event_id, batch) if isinstance(i, str)])
        applied += sum(apply_logged(session, source, entry, metrics, park) for entry in batch
                       if _event_id(entry) not in seen)
        read, position = read + len(batch), batch[-1]["position"]
        repo.save_position(source, position)
        session.commit()
    return {"source": source, "read": read, "applied": applied, "position": position}
