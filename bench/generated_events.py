"""A generated province's facts (``bench.province_facts``) as the envelopes their services publish:
what reporting's handlers and catch-up receive, to feed the batch and one-by-one projections the
same stream (tests), and as the producers' logs the rebuild reads (``bench.rebuild``)."""

from datetime import date

from bench.province_facts import facts_by_child
from shared.contracts.events import make_envelope
from shared.plumbing.event_logs import CATCH_UP_BATCH, Fetch
from shared.rules.admin_units import AdminUnits
from tools.generate_province import generate

OCCURRED_ON = date(2026, 6, 30)  # reporting reads no envelope date: the facts carry their own


def envelopes(calls: list, units: AdminUnits) -> list[dict]:
    """Every fact of ``calls`` as an envelope, child after child, each child's facts in call order."""
    return [make_envelope(fact.event_type, fact.source, child_id, None, OCCURRED_ON, fact.payload)
            for child_id, sources in facts_by_child(calls, units).items()
            for facts in sources.values() for fact in facts]


def logs_of(stream: list[dict]) -> dict[str, list[dict]]:
    """Each source's ``events_since`` log of the stream: positions from 1, in the stream's order."""
    logs: dict[str, list[dict]] = {}
    for envelope in stream:
        log = logs.setdefault(envelope["source"], [])
        log.append({"position": len(log) + 1, "envelope": envelope})
    return logs


def fetches(logs: dict[str, list[dict]], page: int = CATCH_UP_BATCH) -> dict[str, Fetch]:
    """``fetch(position)`` per source, as ``event_logs.fetch_page`` reads a producer's log."""
    return {source: (lambda position, log=log: log[position:position + page]) for source, log in logs.items()}


def province_envelopes(children: int, units: AdminUnits, seed: int = 3, communes: int = 4) -> list[dict]:
    return envelopes(generate(children, seed=seed, communes=communes).calls, units)
