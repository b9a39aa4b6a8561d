"""The referral writes every sector has, and the two lists it keeps: its inbox and what it sent.

``refer_child`` sends a child to a sector that may receive the reason (``shared.rules.referrals``),
with the deadline the reason and urgency give, under the id ``<sender>:<the caller's id>`` (so two
sectors' ids never name one referral); ``accept_referral``, ``decline_referral`` and
``complete_referral`` answer a referral sent to this sector, each allowed only from the states the
transition table names, so an answer twice, out of order, or to a referral this sector never
received is a typed error and nothing is stored. Each is a sector-kit command (``records.write``):
the referral fact is kept in the write's own transaction, so the sector's lists agree with its
events. Codes and dates only: no field takes free text.
"""

from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from shared.contracts.common import caller_record_id_field, child_id_field, commune_code_field
from shared.contracts.fields import Identifier
from shared.contracts.referrals import ACCEPTED, COMPLETED, DECLINED, SENT, referral_id_field
from shared.exceptions import Conflict, NotFound
from shared.kit.checks import check_commune, raise_if
from shared.kit.records import Accepted, Context, SectorStore
from shared.kit.referral_store import ReferralStore, json_payload
from shared.plumbing.db import lock_key
from shared.rules import referrals

CALLER_REFERRAL_ID_MAX = 64
STATUSES = ("open", "overdue", "sent", "accepted", "declined", "completed")


def _codes(key: str) -> validate.OneOf:
    return validate.OneOf(referrals.rules()[key])


class ReferChildSchema(Schema):
    record_id = caller_record_id_field()
    referral_id = Identifier(max_length=CALLER_REFERRAL_ID_MAX, required=True)
    child_id = child_id_field()
    to_sector = fields.String(required=True, validate=_codes("sectors"))
    reason = fields.String(required=True, validate=validate.OneOf(referrals.reasons()))
    referred_on = fields.Date(required=True)
    commune_code = commune_code_field()
    urgency = fields.String(load_default="routine", validate=_codes("urgencies"))


class AnswerSchema(Schema):
    record_id = caller_record_id_field()
    referral_id = referral_id_field()  # as the inbox lists it: ``<sender>:<the sender's id>``


class AcceptReferralSchema(AnswerSchema):
    accepted_on = fields.Date(required=True)


class DeclineReferralSchema(AnswerSchema):
    declined_on = fields.Date(required=True)
    decline_reason = fields.String(required=True, validate=_codes("decline_reasons"))


class CompleteReferralSchema(AnswerSchema):
    completed_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=_codes("outcomes"))


class ReferralListSchema(Schema):
    commune_code = commune_code_field()
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    as_of = fields.Date(load_default=None, allow_none=True)


def _not_future(field: str, day: date, today: date) -> dict[str, list[str]]:
    return {field: [f"Must not be in the future (today is {today})."]} if day > today else {}


def _kept(store: ReferralStore, cmd: dict, event_type: str, child_id: str, payload: dict) -> dict:
    """Keep the fact of this write in the sector's referrals (same transaction) and return its
    payload as the event carries it."""
    clean = json_payload(event_type, {"record_id": cmd["record_id"], **payload})
    store.keep_referral_fact(store.source, cmd["record_id"], payload["referral_id"], child_id,
                             event_type, clean)
    return payload


def refer_child(store: SectorStore, cmd: dict, ctx: Context, rule: str | None = None) -> Accepted:
    """Refer a child to a sector (``referral_sent``), due by the reason's deadline for its urgency."""
    reason, to_sector = cmd["reason"], cmd["to_sector"]
    allowed = referrals.receivers(reason)
    raise_if({"to_sector": [f"A referral for {reason} goes to {' or '.join(allowed)}."]}
             if to_sector not in allowed else {},
             _not_future("referred_on", cmd["referred_on"], ctx.today),
             check_commune(cmd["commune_code"], cmd["referred_on"], ctx.units))
    referral_id = f"{store.source}:{cmd['referral_id']}"  # unique across sectors: each checks its own
    if store.referral(referral_id) is not None:
        raise Conflict(f"referral_id: {cmd['referral_id']} already names another referral.")
    payload = {"referral_id": referral_id, "from_sector": store.source, "to_sector": to_sector,
               "commune_code": cmd["commune_code"], "reason": reason, "urgency": cmd["urgency"],
               "referred_on": cmd["referred_on"], "rule": rule,
               "due_on": referrals.due_on(reason, cmd["urgency"], cmd["referred_on"])}
    _kept(store, cmd, SENT, cmd["child_id"], payload)
    return Accepted(SENT, cmd["child_id"], cmd["commune_code"], cmd["referred_on"], payload,
                    answer={"referral_id": referral_id, "due_on": payload["due_on"].isoformat()})


def _answer(answer: str, event_type: str, day_field: str, extra: tuple[str, ...]):
    def command(store: SectorStore, cmd: dict, ctx: Context) -> Accepted:
        lock_key(store.session, f"referral:{cmd['referral_id']}")  # its state, read and changed in turn
        referral = store.referral(cmd["referral_id"])
        if referral is None or referral.to_sector != store.source:
            raise NotFound(f"referral_id: no referral {cmd['referral_id']} was sent to {store.source} "
                           f"(or it has not reached {store.source} yet).")
        state = referral.state
        if referrals.next_state(state, answer) is None:
            allowed = ", ".join(referrals.answers_from(state)) or "none: it is closed"
            raise Conflict(f"referral_id: referral {referral.referral_id} is {state}; it cannot take "
                           f"'{answer}' now (allowed: {allowed}).")
        day = cmd[day_field]
        since = referral.accepted_on or referral.referred_on
        raise_if(_not_future(day_field, day, ctx.today),
                 {day_field: [f"Before the referral was {'accepted' if referral.accepted_on else 'sent'} "
                              f"on {since}."]} if since is not None and day < since else {})
        payload = {"referral_id": referral.referral_id, "from_sector": referral.from_sector,
                   "to_sector": referral.to_sector, "commune_code": referral.commune_code,
                   "answered_on": day, **{key: cmd[key] for key in extra}}
        _kept(store, cmd, event_type, referral.child_id, payload)
        return Accepted(event_type, referral.child_id, referral.commune_code, day, payload,
                        answer={"referral_id": referral.referral_id,
                                "state": referrals.next_state(state, answer)})

    command.__name__ = f"{answer}_referral"
    command.__doc__ = f"Answer a referral sent to this sector: {answer} it ({event_type})."
    return command


accept_referral = _answer("accept", ACCEPTED, "accepted_on", ())
decline_referral = _answer("decline", DECLINED, "declined_on", ("decline_reason",))
complete_referral = _answer("complete", COMPLETED, "completed_on", ("outcome",))


def listed(rows: list[Any], status: str | None, on: date) -> list[dict[str, Any]]:
    """The referrals as a list, filtered by ``status`` (``open``, ``overdue`` or a state), most
    urgent first: open ones by deadline (the most overdue first), urgent before routine, then
    closed ones, the latest closed first."""
    items = [_item(row, on) for row in rows]
    if status == "open":
        items = [i for i in items if referrals.is_open(i["state"])]
    elif status == "overdue":
        items = [i for i in items if i["overdue"]]
    elif status is not None:
        items = [i for i in items if i["state"] == status]
    return sorted(items, key=_urgency_order)


def _item(row: Any, on: date) -> dict[str, Any]:
    overdue = row.due_on is not None and referrals.is_overdue(row.state, row.due_on, on)
    return {"referral_id": row.referral_id, "child_id": row.child_id, "from_sector": row.from_sector,
            "to_sector": row.to_sector, "commune_code": row.commune_code, "reason": row.reason,
            "urgency": row.urgency, "rule": row.rule, "state": row.state, "referred_on": row.referred_on,
            "due_on": row.due_on, "overdue": overdue,
            "days_overdue": (on - row.due_on).days if overdue else 0, "accepted_on": row.accepted_on,
            "closed_on": row.closed_on, "decline_reason": row.decline_reason, "outcome": row.outcome}


def as_json(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in item.items()}


def _urgency_order(item: dict[str, Any]) -> tuple:
    if referrals.is_open(item["state"]):
        return (0, item["due_on"] or date.max, item["urgency"] != "urgent", item["referral_id"])
    return (1, -(item["closed_on"] or date.min).toordinal(), item["referral_id"])

