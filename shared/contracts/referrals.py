"""The referral events every sector may publish, and their fold: one referral's state and dates.

A referral is sent by one sector (``referral_sent``, with where it goes, why, and by when) and
answered by the sector it went to (``referral_accepted``, ``referral_declined``,
``referral_completed``); all four name the referral and both sectors, and carry codes and dates
only (never free text). ``fold_referrals`` reads a child's referral facts of every source into one
``Referral`` each: the state is the highest-ranked event's (``shared.rules.referrals``), so an answer
that arrives before its ``referral_sent`` folds to the same state, and fills in once it comes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from shared.contracts.common import commune_code_field, record_id_field
from shared.contracts.facts import VOIDED, Fact, live_facts
from shared.contracts.fields import Identifier
from shared.rules import referrals

SENT, ACCEPTED, DECLINED, COMPLETED = ("referral_sent", "referral_accepted", "referral_declined",
                                       "referral_completed")
STATE_OF = {SENT: "sent", ACCEPTED: "accepted", DECLINED: "declined", COMPLETED: "completed"}
REFERRAL_ID_MAX = 80


def referral_id_field() -> Identifier:
    return Identifier(max_length=REFERRAL_ID_MAX, required=True)


def sector_field() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(referrals.rules()["sectors"]))


class ReferralEventSchema(Schema):
    record_id = record_id_field()
    referral_id = referral_id_field()
    from_sector = sector_field()
    to_sector = sector_field()
    commune_code = commune_code_field()


class ReferralSentSchema(ReferralEventSchema):
    reason = fields.String(required=True, validate=validate.OneOf(referrals.reasons()))
    urgency = fields.String(required=True, validate=validate.OneOf(referrals.rules()["urgencies"]))
    referred_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    rule = Identifier(max_length=64, required=True, allow_none=True)  # the automatic rule, if one


class ReferralAnsweredSchema(ReferralEventSchema):
    answered_on = fields.Date(required=True)


class ReferralDeclinedSchema(ReferralAnsweredSchema):
    decline_reason = fields.String(required=True,
                                   validate=validate.OneOf(referrals.rules()["decline_reasons"]))


class ReferralCompletedSchema(ReferralAnsweredSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(referrals.rules()["outcomes"]))


EVENTS: dict[str, type[Schema]] = {SENT: ReferralSentSchema, ACCEPTED: ReferralAnsweredSchema,
                                   DECLINED: ReferralDeclinedSchema, COMPLETED: ReferralCompletedSchema}


def is_referral_event(event_type: str) -> bool:
    return event_type in EVENTS


@dataclass(frozen=True)
class Referral:
    referral_id: str
    from_sector: str
    to_sector: str
    commune_code: str
    state: str
    reason: str | None = None  # None until its referral_sent has arrived
    urgency: str | None = None
    referred_on: date | None = None
    due_on: date | None = None
    rule: str | None = None
    accepted_on: date | None = None
    closed_on: date | None = None  # declined or completed on
    decline_reason: str | None = None
    outcome: str | None = None

    def is_overdue(self, on: date) -> bool:
        return self.due_on is not None and referrals.is_overdue(self.state, self.due_on, on)

    def state_on(self, on: date) -> str:
        """Its state as it stood at the end of ``on`` (what had been answered by then)."""
        if self.closed_on is not None and self.closed_on <= on:
            return self.state
        return "accepted" if self.accepted_on is not None and self.accepted_on <= on else "sent"


def _one(referral_id: str, events: list[dict[str, Any]]) -> Referral:
    by_type = {event["_type"]: event for event in events}
    sent, accepted = by_type.get(SENT, {}), by_type.get(ACCEPTED, {})
    closing = by_type.get(COMPLETED) or by_type.get(DECLINED) or {}
    first = sent or events[0]
    return Referral(
        referral_id=referral_id, from_sector=first["from_sector"], to_sector=first["to_sector"],
        commune_code=first["commune_code"], state=referrals.fold(STATE_OF[e["_type"]] for e in events),
        reason=sent.get("reason"), urgency=sent.get("urgency"), referred_on=sent.get("referred_on"),
        due_on=sent.get("due_on"), rule=sent.get("rule"), accepted_on=accepted.get("answered_on"),
        closed_on=closing.get("answered_on"), decline_reason=closing.get("decline_reason"),
        outcome=closing.get("outcome"))


def withdrawn(facts: list[Fact]) -> set[str]:
    """The referrals whose ``referral_sent`` its sender voided: gone, whatever answers exist."""
    voided = {(f.source, f.payload["voided_record_id"]) for f in facts if f.event_type == VOIDED}
    return {f.payload["referral_id"] for f in facts
            if f.event_type == SENT and (f.source, f.record_id) in voided}


def fold_referrals(facts: Iterable[Fact]) -> list[Referral]:
    """Each referral named by these facts (of any sources; other event types are ignored), by id; a
    withdrawn one (its ``referral_sent`` voided) is none, even if an answer comes after the void."""
    facts = list(facts)
    gone = withdrawn(facts)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for fact in live_facts(facts):
        if is_referral_event(fact.event_type) and fact.payload["referral_id"] not in gone:
            grouped.setdefault(fact.payload["referral_id"], []).append(
                {**fact.payload, "_type": fact.event_type})
    return [_one(referral_id, events) for referral_id, events in sorted(grouped.items())]
