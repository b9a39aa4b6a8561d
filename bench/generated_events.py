"""A generated province's facts (``bench.province_facts``) as the envelopes their services publish:
what reporting's handlers and catch-up receive, to feed the batch and one-by-one projections the
same stream (tests) and to profile them (``bench.batch_projection``)."""

from datetime import date

from bench.province_facts import facts_by_child
from shared.contracts.events import make_envelope
from shared.rules.admin_units import AdminUnits
from tools.generate_province import generate

OCCURRED_ON = date(2026, 6, 30)  # reporting reads no envelope date: the facts carry their own


def envelopes(calls: list, units: AdminUnits) -> list[dict]:
    """Every fact of ``calls`` as an envelope, child after child, each child's facts in call order."""
    return [make_envelope(fact.event_type, fact.source, child_id, None, OCCURRED_ON, fact.payload)
            for child_id, sources in facts_by_child(calls, units).items()
            for facts in sources.values() for fact in facts]


def province_envelopes(children: int, units: AdminUnits, seed: int = 3, communes: int = 4) -> list[dict]:
    return envelopes(generate(children, seed=seed, communes=communes).calls, units)
