"""A sector's referrals: the referral events it sent, received or answered, and one row per referral.

Every sector keeps the referral facts that concern it (it sent the referral, or it was sent to it)
from its own writes (in the write's transaction) and from the other sectors' events (their
handlers and the catch-up from their logs; the primary key ``(source, record_id)`` makes a
redelivery a no-op). Each new fact refolds its referral's row from all the referral's facts with
``shared.contracts.referrals.fold_referrals``, one referral at a time, so arrival order and voids do
not matter. A sector declares ``ReferralFactMixin``, ``ReferralMixin`` and ``ReferralPositionMixin``
on its own base and mixes ``ReferralStore`` into its store, naming them.
"""

from dataclasses import asdict
from typing import Any

from sqlalchemy import JSON, Date, String, and_, delete, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.contracts import load_fact
from shared.contracts.facts import VOIDED
from shared.contracts.fields import strict
from shared.contracts.referrals import EVENTS, Referral, fold_referrals
from shared.plumbing.db import dialect_insert, lock_key
from shared.plumbing.event_logs import LogPositionMixin
from shared.plumbing.outbox import events_since
from shared.rules.admin_units import CURRENT, AdminUnits, admin_units


class ReferralFactMixin:
    """A referral event as its source published it (payload as JSON)."""

    __tablename__ = "referral_facts"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(80), index=True)
    child_id: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)


class ReferralMixin:
    """One referral as its facts fold (``fold_referrals``): where it is, what state, which dates."""

    __tablename__ = "referrals"

    referral_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    from_sector: Mapped[str] = mapped_column(String(16))
    to_sector: Mapped[str] = mapped_column(String(16))
    commune_code: Mapped[str] = mapped_column(String(5))  # as sent: on the map in force that day
    legacy_commune: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    current_commune: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    urgency: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rule: Mapped[str | None] = mapped_column(String(64), nullable=True)
    referred_on = mapped_column(Date, nullable=True)
    due_on = mapped_column(Date, nullable=True)
    accepted_on = mapped_column(Date, nullable=True)
    closed_on = mapped_column(Date, nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)


class ReferralPositionMixin(LogPositionMixin):
    """How far the sector has read each other sector's event log for referrals."""

    __tablename__ = "referral_log_positions"


def json_payload(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the event carries it (dates as ISO strings), checked by its contract."""
    return strict(EVENTS[event_type]).dump(payload)


class ReferralStore:
    """Mixed into a ``SectorStore``: ``referral_fact_model``, ``referral_model``,
    ``referral_position_model`` name the sector's three tables; ``source`` is the sector."""

    referral_fact_model: type
    referral_model: type
    referral_position_model: type

    def concerns_me(self, payload: dict[str, Any]) -> bool:
        """Whether this sector keeps a referral event: it sent or received the referral."""
        return self.source in (payload.get("from_sector"), payload.get("to_sector"))

    def on_voided(self, target: Any, void_payload: dict[str, Any]) -> None:
        """A void of one of this sector's referral records refolds its referral (kept as a fact)."""
        super().on_voided(target, void_payload)
        referral_id = self.referral_of_fact(self.source, target.record_id)
        if referral_id is not None:
            self.keep_referral_fact(self.source, void_payload["record_id"], referral_id, target.child_id,
                                    VOIDED, void_payload)

    def referral(self, referral_id: str) -> Any:
        return self.session.get(self.referral_model, referral_id)

    def keep_referral_fact(self, source: str, record_id: str, referral_id: str, child_id: str,
                           event_type: str, payload: dict[str, Any]) -> Referral | None:
        """Keep one referral event, or the void of one (once), and refold its referral's row."""
        facts = self.referral_fact_model
        lock_key(self.session, f"referral:{referral_id}")
        self.session.execute(dialect_insert(self.session)(facts).on_conflict_do_nothing(), {
            "source": source, "record_id": record_id, "referral_id": referral_id, "child_id": child_id,
            "event_type": event_type, "payload": payload})
        return self._refold(referral_id, child_id)

    def referral_of_fact(self, source: str, record_id: str) -> str | None:
        """The referral a kept fact belongs to (what a void of that record names)."""
        fact = self.session.get(self.referral_fact_model, (source, record_id))
        return None if fact is None else fact.referral_id

    def _refold(self, referral_id: str, child_id: str) -> Referral | None:
        facts = self.referral_fact_model
        rows = self.session.scalars(select(facts).where(facts.referral_id == referral_id))
        folded = fold_referrals(load_fact(r.source, r.record_id, r.event_type, r.payload) for r in rows)
        self.session.execute(delete(self.referral_model).where(
            self.referral_model.referral_id == referral_id))
        if not folded:
            return None
        referral = folded[0]
        self.session.add(self.referral_model(child_id=child_id, **asdict(referral),
                                             **placed(referral, admin_units())))
        return referral

    def referral_facts_among(self, source: str, record_ids: list[str]) -> set[str]:
        """Which of ``source``'s records this sector holds already (one query)."""
        if not record_ids:
            return set()
        facts = self.referral_fact_model
        return set(self.session.scalars(select(facts.record_id).where(
            facts.source == source, facts.record_id.in_(record_ids))))

    def referrals_in(self, side: str, commune_code: str, map_version: str) -> list[Any]:
        """The referrals of a commune this sector received (``side`` = ``to_sector``) or sent, the
        commune read on ``map_version``: a referral sent before 1 July 2025 is in its 2025 ward's list."""
        model = self.referral_model
        column = model.current_commune if map_version == CURRENT else model.legacy_commune
        return list(self.session.scalars(select(model).where(
            getattr(model, side) == self.source, column == commune_code)))

    def referral_events_since(self, position: int, limit: int) -> list[dict]:
        """The part of this sector's log other sectors follow for referrals: its referral events
        and the voids of them, nothing else of what it records."""
        model = self.outbox_model
        voided_type = model.envelope[("payload", "voided_event_type")].as_string()
        only = or_(model.event_type.in_(list(EVENTS)),
                   and_(model.event_type == VOIDED, voided_type.in_(list(EVENTS))))
        return events_since(self.session, model, position, limit, only)


def placed(referral: Referral, units: AdminUnits) -> dict[str, str | None]:
    """Where a referral lies on both maps: sent on the legacy map, also in the ward its commune
    merged into; sent on the 2025 map, in no legacy commune (one ward came from several)."""
    code = referral.commune_code
    if referral.referred_on is not None and units.map_on(referral.referred_on) == CURRENT:
        return {"legacy_commune": None, "current_commune": code}
    if referral.referred_on is None and code in units.current and code not in units.legacy:
        return {"legacy_commune": None, "current_commune": code}
    return {"legacy_commune": code, "current_commune": units.legacy_to_current.get(code)}

