"""The registry's store: the sector kit's records and outbox, the index of registered children, the
provisional children every sector met before registration, the links between ids and the review queue."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select

from services.registry.orm import (
    AuditEntry,
    Child,
    IdentityLink,
    MatchReview,
    OutboxMessage,
    ProvisionalChild,
    ProvisionalFact,
    ProvisionalPosition,
    Record,
    Referral,
    ReferralFact,
    ReferralPosition,
)
from shared.contracts import load_fact
from shared.contracts.facts import VOIDED
from shared.contracts.identity import RECORDED, is_link_event
from shared.kit.identity_links import LinkedIds
from shared.kit.records import Accepted, SectorStore, json_safe
from shared.kit.referral_store import ReferralStore
from shared.plumbing.db import dialect_insert
from shared.rules.admin_units import LEGACY, AdminUnits
from shared.rules.clock import utc_now

OPEN = "open"
PROVISIONAL_FIELDS = ("full_name", "sex", "date_of_birth", "date_of_birth_estimated", "mother_name",
                      "mother_id", "commune_code", "map_version", "recorded_on")


# Matching's first look after every birth, built once as plain (Core) statements: on two shared
# cores, building and compiling an ORM query took longer than SQLite took to answer it.
_CHILDREN, _PROVISIONAL = Child.__table__.c, ProvisionalChild.__table__.c
BIRTH_BLOCK = select(_CHILDREN.ward, _CHILDREN.date_of_birth).where(
    _CHILDREN.child_id == bindparam("child_id"))
ANY_PROVISIONAL_IN_WINDOW = select(_PROVISIONAL.provisional_id).where(
    _PROVISIONAL.voided.is_(False), _PROVISIONAL.ward == bindparam("ward"),
    _PROVISIONAL.date_of_birth.between(bindparam("earliest"), bindparam("latest"))).limit(1)


def ward_of(code: str, map_version: str, units: AdminUnits) -> str | None:
    """The 2025 ward a commune is (itself on the 2025 map): how both maps are compared."""
    return units.legacy_to_current.get(code) if map_version == LEGACY else code


@dataclass
class ChildrenAhead:
    """The registered children a batch names, read at once: those found (held, and their birth
    records, so the identity map keeps them), those absent, and those the batch adds."""

    found: dict[str, Child]
    absent: set[str]
    birth_records: list[Record] = field(default_factory=list)


WARDS_PER_QUERY = 200  # a batch's blocks read in one query (SQLite's expression depth is 1,000)


class RegistryRepository(LinkedIds, ReferralStore, SectorStore):
    source = "registry"
    link_model = IdentityLink
    record_model = Record
    outbox_model = OutboxMessage
    audit_model = AuditEntry
    referral_fact_model = ReferralFact
    referral_model = Referral
    referral_position_model = ReferralPosition
    provisional_position_model = ProvisionalPosition

    ahead: ChildrenAhead | None = None

    def read_ahead(self, cmds: list[dict]) -> None:
        """The children a batch names and their birth records, in two queries (its subjects are
        locked: none of them can be registered or removed by another writer meanwhile)."""
        ids = sorted({cmd["child_id"] for cmd in cmds if isinstance(cmd.get("child_id"), str)})
        found = {child.child_id: child for child in self.session.scalars(
            select(Child).where(Child.child_id.in_(ids)))} if ids else {}
        records = list(self.session.scalars(select(Record).where(Record.record_id.in_(
            [child.birth_record_id for child in found.values()])))) if found else []
        self.ahead = ChildrenAhead(found, set(ids) - set(found), records)

    def forget_read_ahead(self) -> None:
        self.ahead = None

    def get_child(self, child_id: str) -> Child | None:
        if self.ahead is not None and child_id in self.ahead.found:
            return self.ahead.found[child_id]
        if self.ahead is not None and child_id in self.ahead.absent:
            return None
        return self.session.get(Child, child_id)

    def add_child(self, child_id: str, birth_record_id: str, date_of_birth: Any,
                  ward: str | None = None) -> None:
        child = Child(child_id=child_id, birth_record_id=birth_record_id, date_of_birth=date_of_birth,
                      ward=ward)
        self.session.add(child)
        if self.ahead is not None:
            self.ahead.found[child_id] = child
            self.ahead.absent.discard(child_id)

    def remove_child(self, child_id: str) -> None:
        child = self.get_child(child_id)
        if self.ahead is not None:  # read again from the session from now on
            self.ahead.found.pop(child_id, None)
            self.ahead.absent.discard(child_id)
        if child is not None:
            self.session.delete(child)

    # provisional children -------------------------------------------------------------------------

    def keep_provisional_child(self, provisional_id: str, payload: dict[str, Any], units: AdminUnits,
                               source: str = "registry") -> None:
        """Keep a provisional child (the registry's own, in its write; or a sector's, from its event)."""
        self.session.add(ProvisionalFact(source=source, record_id=payload["record_id"],
                                         provisional_id=provisional_id, event_type=RECORDED))
        if self.provisional_child(provisional_id) is None:
            self.session.add(ProvisionalChild(
                provisional_id=provisional_id, source=source, record_id=payload["record_id"],
                ward=ward_of(payload["commune_code"], payload["map_version"], units),
                **{key: payload[key] for key in PROVISIONAL_FIELDS}))

    def keep_provisional_event(self, source: str, event_type: str, payload: dict[str, Any],
                               units: AdminUnits) -> str | None:
        """Keep a sector's provisional child or the void of one (once); the provisional id it
        concerns, or None when it was held already or concerns no provisional child."""
        if self.session.get(ProvisionalFact, (source, payload["record_id"])) is not None:
            return None
        if event_type != VOIDED:
            self.keep_provisional_child(payload["provisional_id"], payload, units, source)
            return payload["provisional_id"]
        voided = self.session.get(ProvisionalFact, (source, payload["voided_record_id"]))
        if voided is None or payload["voided_event_type"] != RECORDED:
            return None
        self.session.add(ProvisionalFact(source=source, record_id=payload["record_id"],
                                         provisional_id=voided.provisional_id, event_type=VOIDED))
        self.void_provisional_child(voided.provisional_id)
        return voided.provisional_id

    def void_provisional_child(self, provisional_id: str) -> None:
        """A voided provisional child is matched no more; its open reviews close."""
        child = self.provisional_child(provisional_id)
        if child is not None:
            child.voided = True
        for review in self.reviews_of(provisional_id):
            self.close_review(review, "superseded", None, None)

    def provisional_facts_among(self, source: str, record_ids: list[str]) -> set[str]:
        if not record_ids:
            return set()
        return set(self.session.scalars(select(ProvisionalFact.record_id).where(
            ProvisionalFact.source == source, ProvisionalFact.record_id.in_(record_ids))))

    def provisional_child(self, provisional_id: str) -> ProvisionalChild | None:
        return self.session.get(ProvisionalChild, provisional_id)

    def provisional_in_window(self, ward: str | None, born: date, days: int) -> list[ProvisionalChild]:
        """Blocking: the live provisional children of a ward born within ``days`` of ``born``."""
        query = select(ProvisionalChild).where(
            ProvisionalChild.voided.is_(False), ProvisionalChild.ward == ward,
            ProvisionalChild.date_of_birth.between(born - timedelta(days=days), born + timedelta(days=days)))
        return list(self.session.scalars(query.order_by(ProvisionalChild.provisional_id)))

    def provisional_in_spans(self, spans: dict[str | None, tuple[date, date]]) -> list[ProvisionalChild]:
        """The live provisional children of each ward of ``spans`` born within its (first, last) span,
        in one query (a batch's blocks: ``batch_matching``); a ward of ``None`` is a NULL ward, as
        in ``provisional_in_window``."""
        born, blocks, found = ProvisionalChild.date_of_birth, list(spans.items()), []
        for start in range(0, len(blocks), WARDS_PER_QUERY):  # SQLite refuses an OR 1,000 terms deep
            some = blocks[start:start + WARDS_PER_QUERY]
            query = select(ProvisionalChild).where(ProvisionalChild.voided.is_(False), or_(*(
                and_(ProvisionalChild.ward.is_(None) if ward is None else ProvisionalChild.ward == ward,
                     born.between(first, last)) for ward, (first, last) in some)))
            found += self.session.scalars(query)
        return sorted(found, key=lambda row: row.provisional_id)

    def any_provisional_in_window(self, ward: str, born: date, days: int) -> bool:
        """Whether ``provisional_in_window`` would find anyone (one indexed look, no rows read)."""
        window = timedelta(days=days)
        return self.session.execute(ANY_PROVISIONAL_IN_WINDOW, {
            "ward": ward, "earliest": born - window, "latest": born + window}).first() is not None

    def birth_block(self, child_id: str) -> tuple[str | None, date] | None:
        """A registered child's ward and date of birth (where its matching looks), or None."""
        row = self.session.execute(BIRTH_BLOCK, {"child_id": child_id}).first()
        return None if row is None else (row.ward, row.date_of_birth)

    def births_in_window(self, ward: str | None, born: date,
                         days: int) -> list[tuple[str, dict[str, Any]]]:
        """Blocking: children registered in a ward born within ``days`` of ``born``, with their birth."""
        query = select(Child.child_id, Record.payload).join(Record, Record.record_id == Child.birth_record_id)
        rows = self.session.execute(query.where(Child.ward == ward, Child.date_of_birth.between(
            born - timedelta(days=days), born + timedelta(days=days))))
        return sorted((child_id, load_fact(self.source, payload["record_id"], "birth_registered",
                                           payload).payload) for child_id, payload in rows)

    def birth_payload(self, child_id: str) -> dict[str, Any] | None:
        child = self.get_child(child_id)
        if child is None:
            return None
        record = self.get_record(child.birth_record_id)
        return load_fact(self.source, record.record_id, record.event_type, record.payload).payload

    def stored_births(self, child_ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """The birth record id and payload, as stored, of each of ``child_ids`` that is registered,
        in one query (``birth_payload`` loads one)."""
        if not child_ids:
            return {}
        rows = self.session.execute(select(Child.child_id, Record.record_id, Record.payload).join(
            Record, Record.record_id == Child.birth_record_id).where(Child.child_id.in_(child_ids)))
        return {child_id: (record_id, payload) for child_id, record_id, payload in rows}

    # links ------------------------------------------------------------------------------------------

    def add_record(self, record_id: str, request: dict, accepted: Accepted,
                   provenance: dict[str, str] | None = None) -> tuple[dict, dict]:
        """The kit's add_record; a link or an unlink also joins the links table, in the same transaction."""
        staged = super().add_record(record_id, request, accepted, provenance)
        if is_link_event(accepted.event_type):
            payload = json_safe({"record_id": record_id, **accepted.payload})
            self.keep_link(record_id, accepted.event_type, payload)
        return staged

    def linked_to(self, child_id: str) -> list[str]:
        """The provisional ids that are now ``child_id``."""
        return self.members_by_child([child_id])[child_id][1:]

    # reviews ----------------------------------------------------------------------------------------

    def review(self, provisional_id: str, child_id: str) -> MatchReview | None:
        return self.session.scalar(select(MatchReview).where(
            MatchReview.provisional_id == provisional_id, MatchReview.child_id == child_id))

    def add_review(self, provisional_id: str, child_id: str, score: float, levels: dict[str, str],
                   commune_code: str, ward: str | None) -> bool:
        """Put a pair to review unless it was ever put (one statement: two runs at once add one)."""
        inserted = self.session.execute(dialect_insert(self.session)(MatchReview).on_conflict_do_nothing(
            index_elements=["provisional_id", "child_id"]).values(
            provisional_id=provisional_id, child_id=child_id, score=score, levels=levels,
            commune_code=commune_code, ward=ward, status=OPEN))
        return bool(inserted.rowcount)

    def reviews_of(self, child_id: str) -> list[MatchReview]:
        """Open reviews naming this id on either side."""
        return list(self.session.scalars(select(MatchReview).where(
            MatchReview.status == OPEN,
            (MatchReview.provisional_id == child_id) | (MatchReview.child_id == child_id))))

    def rejected_with(self, child_id: str) -> set[str]:
        """The ids an officer decided are not ``child_id`` (a rejected review): never linked by rule."""
        rows = self.session.execute(select(MatchReview.provisional_id, MatchReview.child_id).where(
            MatchReview.status == "rejected",
            (MatchReview.provisional_id == child_id) | (MatchReview.child_id == child_id)))
        return {child if provisional == child_id else provisional for provisional, child in rows}

    def rejected_among(self, child_ids: list[str]) -> dict[str, set[str]]:
        """``rejected_with`` of each of ``child_ids``, in one query (ids with none are left out)."""
        if not child_ids:
            return {}
        ids = set(child_ids)
        rows = self.session.execute(select(MatchReview.provisional_id, MatchReview.child_id).where(
            MatchReview.status == "rejected",
            MatchReview.provisional_id.in_(ids) | MatchReview.child_id.in_(ids)))
        rejected: dict[str, set[str]] = {}
        for provisional, child in rows:
            if provisional in ids:
                rejected.setdefault(provisional, set()).add(child)
            if child in ids:
                rejected.setdefault(child, set()).add(provisional)
        return rejected

    def close_review(self, review: MatchReview, status: str, by: str | None, record_id: str | None) -> None:
        review.status, review.closed_by, review.closed_record_id = status, by, record_id
        review.closed_at = utc_now()

    def open_reviews(self, column: str, code: str) -> list[MatchReview]:
        query = select(MatchReview).where(MatchReview.status == OPEN, getattr(MatchReview, column) == code)
        return list(self.session.scalars(query.order_by(MatchReview.opened_at, MatchReview.review_id)))

    def open_review_summary(self) -> tuple[int, datetime | None]:
        rows = list(self.session.scalars(select(MatchReview.opened_at).where(MatchReview.status == OPEN)))
        return len(rows), min(rows) if rows else None
