"""Reporting's use cases: apply one event, and catch up from a producer's event log.

``apply_event`` runs one transaction: claim the event id (a redelivery stops there), store the
fact, refold the child's facts into its view row, commit. ``catch_up`` pages a producer's
``events_since`` log past the saved position and applies each entry the same way, so it recovers
what the broker could not deliver and rebuilds a wiped view; applying an event twice is a no-op.
"""

from collections.abc import Callable

from sqlalchemy.orm import Session

from services.reporting.projections import project_child
from services.reporting.repository import ReportingRepository
from shared.admin_units import admin_units
from shared.child_facts import fold_child
from shared.events import load_envelope
from shared.metrics import ServiceMetrics

FetchEvents = Callable[[int], list[dict]]


def apply_event(session: Session, body: dict, metrics: ServiceMetrics) -> bool:
    """Apply one event in one transaction; False if it had been applied before."""
    envelope = load_envelope(body)
    repo, event_type = ReportingRepository(session), envelope["event_type"]
    if not repo.claim_event(envelope["event_id"], event_type, envelope["source"]):
        session.rollback()
        metrics.events_consumed.labels(event_type, "duplicate").inc()
        return False
    child_id = envelope["child_id"]
    repo.lock_child(child_id)
    repo.add_fact(envelope["payload"]["record_id"], child_id, event_type, body["payload"])
    repo.save_view(project_child(child_id, fold_child(repo.facts_for(child_id)), admin_units()))
    session.commit()
    metrics.events_consumed.labels(event_type, "applied").inc()
    return True


def catch_up(session: Session, source: str, fetch: FetchEvents, metrics: ServiceMetrics) -> dict:
    repo = ReportingRepository(session)
    position, read, applied = repo.position(source), 0, 0
    while batch := fetch(position):
        applied += sum(apply_event(session, entry["envelope"], metrics) for entry in batch)
        read, position = read + len(batch), batch[-1]["position"]
        repo.save_position(source, position)
        session.commit()
    return {"source": source, "read": read, "applied": applied, "position": position}
