"""Rebuild reporting's projection from the producers' event logs (issue 19), in bulk.

Every source's ``events_since`` log is read to its end (no transaction open meanwhile), each event
checked against its contract (one that breaks it is counted and left out, as catch-up dead-letters
it), its fact held in memory (the first of each ``(source, record_id)``, as the fact table keeps it);
then each child is projected once from all its facts by the service's own projections, on an
in-memory repository (``memory_repository``): a child of linked ids, a provisional id or an identity
event through ``merging``, as the group; the others by each source they have facts of, and the
referral projection. The rows, the facts, the processed events, the links and the log positions go
to new tables with COPY (``bulk_tables``), which take the old tables' place in one short transaction
once written: until then the service answers from the old ones. What arrived after the logs were
read is applied by the catch-up that follows the switch (its positions are where the rebuild read to).
"""

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from services.reporting import bulk_tables, count_cache, merging
from services.reporting.memory_repository import MemoryRepository
from services.reporting.orm import Fact as FactRow
from services.reporting.orm import IdentityLink, ProcessedEvent, SourcePosition
from services.reporting.sources import PROJECTIONS
from services.reporting.sources.referrals import projection as referrals
from shared.contracts.events import load_envelope
from shared.contracts.facts import VOIDED, Fact
from shared.contracts.identity import is_link_event, linked_group
from shared.contracts.referrals import is_referral_event
from shared.exceptions import ValidationFailed
from shared.plumbing.event_logs import Fetch, envelope_of
from shared.rules.admin_units import AdminUnits, admin_units
from shared.rules.clock import utc_now

YIELD_EVERY = 200  # children projected between two chances for the service's other work


@dataclass
class Logs:
    """What the logs held: facts in memory, the rows of the tracking tables, where each log ended."""

    memory: MemoryRepository = field(default_factory=MemoryRepository)
    facts: list[dict[str, Any]] = field(default_factory=list)
    processed: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    refused: int = 0


def read_logs(fetches: dict[str, Fetch]) -> Logs:
    """Every source's log from its start, page after page (``fetch(position)``)."""
    logs = Logs()
    for source, fetch in fetches.items():
        position = 0
        while page := fetch(position):
            for entry in page:
                hold(logs, envelope_of(entry))
            position = page[-1]["position"]
        logs.positions[source] = position
    return logs


def hold(logs: Logs, body: dict | None) -> None:
    try:
        envelope = load_envelope(body)
    except ValidationFailed:
        logs.refused += 1
        return
    if envelope["event_id"] in logs.processed:
        return
    source, event_type, payload = envelope["source"], envelope["event_type"], envelope["payload"]
    logs.processed[envelope["event_id"]] = {"event_id": envelope["event_id"], "event_type": event_type,
                                            "source": source, "processed_at": utc_now(),
                                            "recorded_at": envelope.get("recorded_at")}
    fact = Fact(source, payload["record_id"], event_type, payload)
    if logs.memory.hold(envelope["child_id"], fact):
        logs.facts.append({"source": source, "record_id": fact.record_id, "child_id": envelope["child_id"],
                           "event_type": event_type, "payload": body["payload"]})
    if is_link_event(event_type):
        logs.memory.add_link(payload["record_id"], payload["provisional_id"], envelope["child_id"])


def project_all(memory: MemoryRepository, units: AdminUnits) -> None:
    """Each child once: its group through ``merging`` when it needs it, else source by source."""
    done: set[str] = set()
    for i, child_id in enumerate(list(memory.facts)):
        if i % YIELD_EVERY == 0:
            time.sleep(0)  # under eventlet, the service's other green threads run meanwhile
        if child_id in done:
            continue
        group, _ = linked_group({child_id}, memory.links_touching)
        facts = memory.facts[child_id]
        if len(group) > 1 or any(merging.needs_merging(f.event_type, child_id, group) for f in facts):
            merging.reproject(memory, group, units)
            done |= group
        else:
            project_child(memory, child_id, facts, units)
            done.add(child_id)


def project_child(memory: MemoryRepository, child_id: str, facts: list[Fact], units: AdminUnits) -> None:
    """As the events would, one by one: each source that sent more than referrals, then referrals."""
    for source in dict.fromkeys(f.source for f in facts if not is_referral_event(f.event_type)):
        PROJECTIONS[source](memory, child_id, memory.facts_for(child_id, source), VOIDED, units)
    if any(is_referral_event(f.event_type) for f in facts):
        referrals.project(memory, child_id, units)


def tables(logs: Logs) -> dict[type, list[dict[str, Any]]]:
    """Every rebuilt table's rows."""
    links = [{"record_id": link.record_id, "provisional_id": link.provisional_id, "child_id": link.child_id}
             for link in logs.memory.links.values()]
    return {**logs.memory.rows(), FactRow: logs.facts, ProcessedEvent: list(logs.processed.values()),
            IdentityLink: links, SourcePosition: [{"source": source, "position": position}
                                                  for source, position in logs.positions.items()]}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off meanwhile: the rebuild makes millions of objects and no
    cycle, and each full collection walked every one held so far (a third of the time of writing
    the rows went to it); on again, and what others left in cycles collected, afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()


class Laps:
    """Seconds each step took, by name, for the answer (where a rebuild's time goes)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step], self.last = round(now - self.last, 3), now


def rebuild(session: Session, fetches: dict[str, Fetch]) -> dict[str, Any]:
    """Read, project, write the new tables, switch; what it did (events, rows, refused, positions)
    and how long each step took (``seconds``)."""
    session.commit()  # no transaction stays open while the logs are read
    laps = Laps()
    with collector_paused():
        logs = read_logs(fetches)
        laps.lap("read")
        project_all(logs.memory, admin_units())
        rows = tables(logs)
        laps.lap("project")
        written = bulk_tables.write_new(session, rows)
        laps.lap("write")
    bulk_tables.switch(session, list(rows), also=count_cache.forget_all)  # committed with the switch
    laps.lap("switch")
    return {"events": len(logs.processed), "rows": written, "refused": logs.refused,
            "positions": logs.positions, "seconds": laps.seconds}
