"""Children before their personal ID: provisional identities, the links that merge them, and their fold.

A sector that meets a child before the registry does (a birth dose in the first 24 hours, an
abandoned newborn) records it under a **provisional id** it mints: ``TAM-<S>-<12 characters>`` —
"TAM" for *mã tạm* (temporary code), ``S`` the sector's letter (``R`` registry, ``H`` health,
``E`` education, ``P`` protection), then 12 Crockford base-32 characters (``0-9 A-Z`` without
``I L O U``) derived from the sector and the record id. It holds letters and dashes, so it can never
equal a 12-digit personal ID, and it fits every ``child_id`` column (32 characters).

Every source may publish ``provisional_child_recorded`` (what it knows: a name or the newborn label
"con của <mother's name>", sex, date of birth or an estimate, mother's/carer's name and ID, commune,
facility); its envelope's ``child_id`` is the provisional id. Only the registry publishes
``identity_linked`` (provisional id → the child it is: a personal ID, or another provisional id of
the same child before any registration; by whom, with what score) and ``identity_unlinked`` (that
link was wrong: both children are apart again); their envelope's ``child_id`` is the link's target.

``canonical_ids`` is the one reading of the links every consumer shares: which child each id now is.
It does not depend on the order the links arrived in: a link counts unless an unlink names its
record, and a provisional id follows its one live link (the latest by ``linked_at``, ``record_id``
should two ever be live) to the end of the chain.
"""

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.common import MAP_VERSIONS, commune_code_field, record_id_field
from shared.contracts.facts import Fact, live_facts, payloads
from shared.contracts.fields import Identifier, Text, digits

PROVISIONAL_PREFIX = "TAM-"
SECTOR_LETTERS = {"registry": "R", "health": "H", "education": "E", "protection": "P"}
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PROVISIONAL_ID = re.compile(r"TAM-[RHEP]-[0-9A-HJKMNP-TV-Z]{12}\Z")
PERSONAL_ID = re.compile(r"[0-9]{12}\Z")
SEXES = ("male", "female")
RECORDED, LINKED, UNLINKED = "provisional_child_recorded", "identity_linked", "identity_unlinked"
UNLINK_REASONS = ("wrong_match", "entered_in_error")


def mint_provisional_id(source: str, record_id: str) -> str:
    """The provisional id a sector mints for its record ``record_id`` (the same every time)."""
    digest = int.from_bytes(hashlib.sha256(f"{source}:{record_id}".encode()).digest()[:8], "big")
    chars = "".join(CROCKFORD[(digest >> (5 * i)) & 31] for i in range(12))
    return f"{PROVISIONAL_PREFIX}{SECTOR_LETTERS[source]}-{chars}"


def is_provisional(child_id: str) -> bool:
    return bool(PROVISIONAL_ID.match(child_id))


def is_personal_id(child_id: str) -> bool:
    return bool(PERSONAL_ID.match(child_id))


def provisional_id_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(
        PROVISIONAL_ID, error="Must be a provisional id: TAM-<R|H|E|P>-<12 base-32 characters>."),
        **kwargs)


class ProvisionalChildRecordedSchema(Schema):
    """What a sector knew of a child it met before its registration. A name, a mother's name or
    both; ``full_name`` may be the newborn label itself ("con của Lò Thị Mai")."""

    record_id = record_id_field()
    provisional_id = provisional_id_field(required=True)
    full_name = Text(max_length=200, load_default=None, allow_none=True)
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
    date_of_birth = fields.Date(required=True)
    date_of_birth_estimated = fields.Boolean(load_default=False)
    mother_name = Text(max_length=200, load_default=None, allow_none=True)
    mother_id = digits(12, load_default=None, allow_none=True)
    carer_name = Text(max_length=200, load_default=None, allow_none=True)
    commune_code = commune_code_field()
    map_version = fields.String(required=True, validate=validate.OneOf(MAP_VERSIONS))
    facility_code = Identifier(max_length=32, load_default=None, allow_none=True)
    recorded_on = fields.Date(required=True)

    @validates_schema
    def someone_named(self, data: dict, **_: Any) -> None:
        if not data.get("full_name") and not data.get("mother_name"):
            raise ValidationError(
                "Give the child's name (or 'con của <mother>'), the mother's name, or both.", "full_name")


class IdentityLinkedSchema(Schema):
    """``provisional_id`` is the child ``child_id`` names (a personal ID or another provisional id)."""

    record_id = record_id_field()
    provisional_id = provisional_id_field(required=True)
    child_id = Identifier(max_length=32, required=True)
    score = fields.Float(allow_nan=False, load_default=None, allow_none=True)  # match weight; None: by hand
    linked_by = Identifier(max_length=64, required=True)  # a user id, or rule:<rule id>
    linked_on = fields.Date(required=True)


class IdentityUnlinkedSchema(Schema):
    """The link ``link_record_id`` was wrong: ``provisional_id`` and ``child_id`` are two children."""

    record_id = record_id_field()
    link_record_id = record_id_field()
    provisional_id = provisional_id_field(required=True)
    child_id = Identifier(max_length=32, required=True)
    reason = fields.String(required=True, validate=validate.OneOf(UNLINK_REASONS))
    unlinked_by = Identifier(max_length=64, required=True)
    unlinked_on = fields.Date(required=True)


SECTOR_EVENTS: dict[str, type[Schema]] = {RECORDED: ProvisionalChildRecordedSchema}
REGISTRY_EVENTS: dict[str, type[Schema]] = {LINKED: IdentityLinkedSchema, UNLINKED: IdentityUnlinkedSchema}


def is_identity_event(event_type: str) -> bool:
    return event_type in (RECORDED, LINKED, UNLINKED)


def is_link_event(event_type: str) -> bool:
    return event_type in (LINKED, UNLINKED)


def live_links(facts: Iterable[Fact]) -> dict[str, dict[str, Any]]:
    """Each provisional id's live link (its payload), whatever order links and unlinks came in."""
    live = live_facts(facts)
    undone = {p["link_record_id"] for p in payloads(live, UNLINKED)}
    links: dict[str, dict[str, Any]] = {}
    for link in sorted((p for p in payloads(live, LINKED) if p["record_id"] not in undone),
                       key=lambda p: (p["linked_on"], p["record_id"])):
        links[link["provisional_id"]] = link
    return links


def canonical_ids(links: dict[str, str]) -> dict[str, str]:
    """``{provisional id: the id it now is}`` from ``{provisional id: its link's target}``, following
    chains (A → B → 123456789012 makes both A and B that child); a cycle (never written by the
    registry) stops at the id where it would close."""
    resolved: dict[str, str] = {}
    for start in links:
        seen, current = [start], links[start]
        while current in links and current not in seen:
            seen.append(current)
            current = links[current]
        resolved[start] = current if current not in seen else seen[-1]
    return resolved


def members_of(child_id: str, links: dict[str, str]) -> list[str]:
    """Every id that is now ``child_id``: itself first, then the provisional ids linked to it."""
    canonical = canonical_ids(links)
    return [child_id, *sorted(p for p, root in canonical.items() if root == child_id and p != child_id)]


class LinkRow(Protocol):
    """A stored link or unlink as a consumer indexes it: by both ids it names."""

    record_id: str
    provisional_id: str
    child_id: str


Row = TypeVar("Row", bound=LinkRow)


def linked_group(ids: Iterable[str], touching: Callable[[set[str]], Iterable[Row]]
                 ) -> tuple[set[str], list[Row]]:
    """Every id ever linked (or unlinked) with ``ids`` through any chain, and the link rows among
    them. ``touching(ids)`` answers the rows naming any of ``ids`` on either side (two indexed
    lookups), so a consumer reads the links of the children it looks at, never all of them."""
    group, rows = set(ids), {}
    frontier = set(group)
    while frontier:
        found = list(touching(frontier))
        rows.update((row.record_id, row) for row in found)
        named = {row.provisional_id for row in found} | {row.child_id for row in found}
        frontier = named - group
        group |= named
    return group, list(rows.values())
