"""How the registry hears of every sector's provisional children: ``follow_provisional_children(S)``.

One reliable handler per sector's ``provisional_child_recorded`` and per void (a voided provisional
child is matched no more), and ``catch_up_provisional_children`` (RPC and timer) over each sector's
``provisional_events_since`` (its provisional children and their voids, never the rest of its log),
so a child recorded while the registry was down is still matched. Each new provisional child is
matched once it is kept (``matcher.look_for_matches``). The registry's own provisional children
are kept in its own write (``RegistryRepository.keep_provisional_child``).
"""

from functools import partial

from services.registry import matcher
from shared.contracts.events import load_envelope
from shared.contracts.facts import VOIDED
from shared.contracts.identity import RECORDED
from shared.kit.access import guarded
from shared.kit.provisional import PROVISIONAL_LOG
from shared.plumbing.config_keys import CATCH_UP_INTERVAL_KEY
from shared.plumbing.consumer import DeadLetters, add_event_handlers
from shared.plumbing.db import ending_open_transaction
from shared.plumbing.event_logs import (
    EventLogs,
    fetch_page,
    follow_or_skip,
    record_id_of,
)
from shared.plumbing.metrics import count_catch_ups
from shared.plumbing.timers import configured_timer
from shared.rules.admin_units import admin_units

SECTORS = ("health", "education", "protection")


def keep_provisional_event(service, body: dict | None) -> bool:
    """Keep one sector's provisional child (or its void) and commit, then match a new child; False
    when it was held already (an invalid event raises: retried, then parked)."""
    envelope = load_envelope(body)
    event_type, payload = envelope["event_type"], envelope["payload"]
    if event_type == VOIDED and payload.get("voided_event_type") != RECORDED:
        return False
    store = service.repository()
    with ending_open_transaction(store.session):
        kept = store.keep_provisional_event(envelope["source"], event_type, payload, admin_units())
        store.session.commit()
    if kept is not None and event_type == RECORDED:
        matcher.after_write(service, {"event_type": RECORDED, "child_id": kept})
    return kept is not None


def catch_up_from(service, source: str) -> dict:
    store = service.repository()
    fetch = partial(fetch_page, service.provisional_logs[source], method=PROVISIONAL_LOG)
    return follow_or_skip(store.session, source, fetch, store.provisional_position_model, record_id_of,
                          partial(store.provisional_facts_among, source),
                          partial(keep_provisional_event, service), service.park)


def follow_provisional_children(service: type) -> None:
    """Give the registry its handlers and catch-up for the sectors' provisional children."""

    def _keep_provisional_event(self, body: dict) -> None:
        keep_provisional_event(self, body)

    def catch_up_provisional_children(self) -> dict:
        """Keep (and match) the sectors' provisional children the registry missed, from their logs."""
        results = {source: catch_up_from(self, source) for source in SECTORS}
        count_catch_ups(self.name, results)
        return results

    def catch_up_periodically(self) -> None:
        catch_up_provisional_children(self)

    service._keep_provisional_event = _keep_provisional_event
    service.provisional_logs = EventLogs(SECTORS, method=PROVISIONAL_LOG)
    service.park = DeadLetters()
    service.catch_up_provisional_children = guarded("operate")(catch_up_provisional_children)
    service.catch_up_provisional_children_periodically = configured_timer(CATCH_UP_INTERVAL_KEY, 60)(
        catch_up_periodically)
    pairs = [(source, event_type) for source in SECTORS for event_type in (RECORDED, VOIDED)]
    add_event_handlers(service, pairs,
                       "_keep_provisional_event",
                       "Keep {source}'s {event_type} among the provisional children the registry matches.")
