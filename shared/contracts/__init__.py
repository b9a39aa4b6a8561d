"""Contracts: the event envelope (``events``), input fields (``fields``), facts, and one module per
source with the payload schema of every ``(source, event_type)``.

``CONTRACTS`` is the one registry producers (``make_envelope``) and consumers (``load_envelope``,
reporting's handlers) read, so a payload field cannot drift between them. A new sector adds its
module here (payload schemas + its fold) and its name to ``SOURCES``. Every source may also publish
the referral events (``referrals``): any sector refers a child to another and answers what it got;
and ``provisional_child_recorded`` (``identity``): any sector meets a child before its registration.
Only the registry links and unlinks identities (``identity_linked``, ``identity_unlinked``).
"""

from typing import Any

from marshmallow import Schema

from shared.contracts import education, fast_load, health, identity, protection, referrals, registry
from shared.contracts.facts import Fact
from shared.contracts.fields import strict
from shared.exceptions import ValidationFailed

SOURCES: tuple[str, ...] = ("registry", "health", "education", "protection")
CONTRACTS: dict[tuple[str, str], type[Schema]] = {
    (source, event_type): schema
    for source, module in (("registry", registry), ("health", health), ("education", education),
                           ("protection", protection))
    for event_type, schema in {**module.EVENTS, **referrals.EVENTS, **identity.SECTOR_EVENTS,
                               **(identity.REGISTRY_EVENTS if source == "registry" else {})}.items()
}


def is_known_source(source: str) -> bool:
    """Read at call time, so a source added to ``CONTRACTS`` (a new sector, a test) is known."""
    return any(owner == source for owner, _ in CONTRACTS)


def event_types(source: str) -> list[str]:
    return [event_type for (owner, event_type) in CONTRACTS if owner == source]


def payload_schema(source: str, event_type: str) -> Schema:
    """The payload schema of one event type of one source; unknown pairs are a typed error."""
    schema = CONTRACTS.get((source, event_type))
    if schema is None:
        raise ValidationFailed({"event_type": [
            f"Unknown event type {event_type!r} for source {source!r}."]})
    return strict(schema)


def load_fact(source: str, record_id: str, event_type: str, payload: dict[str, Any]) -> Fact:
    """Rebuild a fact from a stored JSON payload (dates back to ``date`` objects)."""
    return Fact(source, record_id, event_type, fast_load.load(payload_schema(source, event_type), payload))
