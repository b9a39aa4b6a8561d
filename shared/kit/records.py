"""A sector's write path: every accepted command is one record and one event, committed together.

A sector's command (a pure-ish use case) looks at the validated input and what its store holds, and
returns ``Accepted`` (the event to publish; the kit makes the envelope, the record row, the outbox
row and the answer) or ``Answered`` (an earlier answer, nothing to store). An answer's ``status`` is
``accepted``, or ``pending`` when the sector kept a record it could not judge yet (the child's birth
has not reached it); a command may carry a ``rejudge`` (``pending_judged_by``) that a replay of
that ``record_id`` runs, so once the birth has arrived the replay answers the judgement. ``write`` wraps every
command the same way: validate, replay a retried ``record_id`` (same data: the first answer; other
data: ``Conflict``), run the command, commit record and event in ONE transaction, then hand the
event to the relay; a record placed outside the writer's areas is refused (``Context.place_check``)
before anything is stored. ``void_record`` is the one command every sector shares.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, post_load
from sqlalchemy import JSON, Boolean, DateTime, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.contracts import load_fact
from shared.contracts.common import CALLER_RECORD_ID_MAX
from shared.contracts.events import make_envelope
from shared.contracts.facts import VOIDED, Fact
from shared.contracts.fields import Identifier, Text, load
from shared.exceptions import Conflict, NotFound, ValidationFailed
from shared.plumbing.db import ending_open_transaction, lock_keys
from shared.plumbing.outbox import events_since, stage
from shared.rules.admin_units import AdminUnits
from shared.rules.clock import utc_now


class RecordMixin:
    """One accepted command; ``payload`` is the payload of the event it emitted."""

    __tablename__ = "records"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    area_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    request: Mapped[dict] = mapped_column(JSON)
    payload: Mapped[dict] = mapped_column(JSON)
    response: Mapped[dict] = mapped_column(JSON)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    written_by: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # the token's system, user_id
    created_at = mapped_column(DateTime(timezone=True), default=utc_now)


@dataclass(frozen=True)
class Accepted:
    """Store this: the event it publishes, and what the answer adds to the standard fields."""

    event_type: str
    child_id: str
    area_code: str | None
    occurred_on: date
    payload: dict[str, Any]
    answer: dict[str, Any] = field(default_factory=dict)
    pending: bool = False  # kept, but judged only once the child's birth reaches the sector
    also_placed: tuple[str, ...] = ()  # other communes it concerns (a move: where the child leaves)


@dataclass(frozen=True)
class Answered:
    """Store nothing and answer this (e.g. the same birth sent again under another record id)."""

    response: dict[str, Any]


@dataclass(frozen=True)
class Context:
    today: date
    units: AdminUnits
    provenance: dict[str, str] | None = None  # who writes: the verified token's system and user_id
    place_check: Callable[[str | None, tuple[str, ...]], None] | None = None  # outside the writer's areas


class SectorStore:
    """A sector's records and outbox; a sector subclasses it with its tables and own queries."""

    source: str
    record_model: type
    outbox_model: type
    audit_model: type  # who was refused a read of a child here (``shared.kit.audit``)

    def __init__(self, session: Session) -> None:
        self.session = session

    def also_locked(self, cmd: dict) -> list[str]:
        """Keys a write locks besides its subjects (a store that links ids: the child they now are)."""
        return []

    def also_locked_for(self, cmds: list[dict]) -> list[str]:
        """``also_locked`` for every command of a batch (a store whose keys need a read reads once)."""
        return [key for cmd in cmds for key in self.also_locked(cmd)]

    def read_ahead(self, cmds: list[dict]) -> None:
        """Read at once what a batch's commands (marked ``batches.refuses_before_writing``) would
        read one record at a time, once their subjects are locked (nothing by default)."""

    def forget_read_ahead(self) -> None:
        """Drop what ``read_ahead`` read: the batch is over."""

    def stored_request(self, request: dict) -> dict:
        """What of a request the records table keeps to recognise a retry (all of it by default; a
        sector with secrets, e.g. protection's case notes, keeps a digest of them instead)."""
        return request

    def get_record(self, record_id: str) -> Any:
        return self.session.get(self.record_model, record_id)

    def member_ids(self, child_id: str) -> list[str]:
        """Every id that is now this child (itself, and the provisional ids the registry linked to
        it: a store that keeps the links, ``registry_copy``, says which); by default only itself."""
        return [child_id]

    def facts_for(self, child_id: str) -> list[Fact]:
        """The child's records here, those made under its linked provisional ids too."""
        records = self.session.scalars(
            select(self.record_model).where(self.record_model.child_id.in_(self.member_ids(child_id))))
        return [load_fact(self.source, r.record_id, r.event_type, r.payload) for r in records]

    def keep_provisional_child(self, provisional_id: str, payload: dict[str, Any], units: AdminUnits) -> None:
        """Keep a child this sector records under a provisional id, in the write's transaction
        (``shared.kit.provisional``; nothing by default)."""

    def replay(self, record_id: str, request: dict) -> dict | None:
        """The first answer for a retried ``record_id``; ``Conflict`` if it came with other data."""
        return replayed(self.get_record(record_id), record_id, request)

    def records_among(self, record_ids: list[str]) -> dict[str, Any]:
        """The stored records of those ``record_ids`` that exist, by id, in one query (a batch's
        retries)."""
        if not record_ids:
            return {}
        model = self.record_model
        return {r.record_id: r for r in self.session.scalars(select(model).where(
            model.record_id.in_(record_ids)))}

    def add(self, record_id: str, request: dict, accepted: Accepted, claimed_until: datetime | None = None,
            provenance: dict[str, str] | None = None) -> tuple[Any, dict]:
        """Stage the record and its event in the session (the event claimed by this worker until
        ``claimed_until``, when it publishes it itself); return the outbox row and the answer."""
        envelope, response = self.add_record(record_id, request, accepted, provenance)
        return self.stage_events([envelope], claimed_until)[0], response

    def add_record(self, record_id: str, request: dict, accepted: Accepted,
                   provenance: dict[str, str] | None = None) -> tuple[dict, dict]:
        """Stage the record alone; return its event's envelope (for ``stage_events``) and the answer."""
        payload = {"record_id": record_id, **accepted.payload}
        envelope = make_envelope(accepted.event_type, self.source, accepted.child_id,
                                 accepted.area_code, accepted.occurred_on, payload, provenance=provenance)
        response = {"record_id": record_id, "child_id": accepted.child_id,
                    "event_type": accepted.event_type, "event_id": envelope["event_id"],
                    "status": PENDING if accepted.pending else ACCEPTED, **accepted.answer}
        self.session.add(self.record_model(
            record_id=record_id, child_id=accepted.child_id, event_type=accepted.event_type,
            area_code=accepted.area_code, request=request, payload=envelope["payload"],
            response=response, written_by=provenance))
        return envelope, response

    def stage_events(self, envelopes: list[dict], claimed_until: datetime | None = None) -> list[Any]:
        """Stage the events' outbox rows, in order. Writers take turns from here to their commit, so
        events take their log positions in commit order: a follower that has read position N can
        never see a lower one commit later. Taken last, after every lock a command takes, so that
        two writers never hold these locks in opposite orders."""
        lock_keys(self.session, [f"{self.source}:outbox log"])
        return [stage(self.session, self.outbox_model, envelope, claimed_until) for envelope in envelopes]

    def events_since(self, position: int, limit: int) -> list[dict]:
        return events_since(self.session, self.outbox_model, position, limit)

    def on_voided(self, target: Any, void_payload: dict[str, Any]) -> None:
        """What the kit's own tables undo when a record is voided (a referral: ``ReferralStore``)."""

    def settle(self, record_id: str, response: dict) -> dict:
        """A pending answer replaced by its judgement (committed: the next replay answers it)."""
        self.get_record(record_id).response = response
        self.session.commit()
        return response


def replayed(existing: Any, record_id: str, request: dict) -> dict | None:
    """The answer a retry of ``existing`` (a record, or None) gets; ``Conflict`` for other data."""
    if existing is None:
        return None
    if existing.request != request:
        raise Conflict(f"Record {record_id} was already used for other data.")
    return existing.response


Command = Callable[[SectorStore, dict, Context], Accepted | Answered]
Rejudge = Callable[[SectorStore, dict, Context], dict[str, Any] | None]
ACCEPTED, PENDING = "accepted", "pending"


def pending_judged_by(rejudge: Rejudge) -> Callable[[Command], Command]:
    """Mark a command whose pending answers ``rejudge`` can settle (``None``: still pending)."""

    def mark(command: Command) -> Command:
        command.rejudge = rejudge
        return command

    return mark


def judgement(store: SectorStore, command: Command, cmd: dict, context: Context,
              replay: dict) -> dict | None:
    """The answer that replaces a pending ``replay`` now that it can be judged (None: no change)."""
    rejudge = getattr(command, "rejudge", None)
    if replay.get("status") != PENDING or rejudge is None:
        return None
    judged = rejudge(store, cmd, context)
    return None if judged is None else {**replay, **judged, "status": ACCEPTED}


def _settled(store: SectorStore, command: Command, cmd: dict, context: Context, replay: dict) -> dict:
    judged = judgement(store, command, cmd, context, replay)
    return replay if judged is None else store.settle(cmd["record_id"], judged)


def json_safe(cmd: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in cmd.items()}


def subjects(source: str, cmd: dict[str, Any]) -> list[str]:
    """What a command is about: every id it names (its record, the child, the case or enrolment it
    changes), by value, whatever the field (an end names its enrolment as ``enrolment_id``, a void as
    ``target_record_id``). Two writes naming one of them take turns, on every replica: a rule
    checked by reading (one open enrolment at a time, one allowance) cannot be raced past."""
    return [f"{source}:{value}" for name, value in cmd.items()
            if name.endswith("_id") and isinstance(value, str)]


def write(store: SectorStore, relay: Any, schema: type[Schema], command: Command, data: Any,
          context: Context, retried: bool = False) -> dict:
    """Validate, replay or run ``command``, commit record + event together, then hand the event to
    the relay, which publishes it once the caller has its answer (no transaction is open while it
    talks to the broker; the outbox row already guarantees the event goes out). A replay, an answer
    or a refusal ends its transaction before the caller is answered."""
    cmd = load(schema, data)
    with ending_open_transaction(store.session):
        lock_keys(store.session, [*subjects(store.source, cmd), *store.also_locked(cmd)])
        request = store.stored_request(json_safe(cmd))
        replay = store.replay(cmd["record_id"], request)
        if replay is not None:
            return _settled(store, command, cmd, context, replay)
        result = command(store, cmd, context)
        if isinstance(result, Answered):
            return result.response
        if context.place_check is not None:
            context.place_check(result.area_code, result.also_placed)
        row, response = store.add(cmd["record_id"], request, result, relay.claim_until(),
                                  context.provenance)
        try:
            store.session.commit()
        except IntegrityError:
            store.session.rollback()
            if retried:
                raise
            return write(store, relay, schema, command, data, context, retried=True)  # a twin won
    relay.committed(store.session, store.outbox_model, [row])
    return response


class VoidRecordSchema(Schema):
    record_id = Identifier(max_length=CALLER_RECORD_ID_MAX, required=True)
    reason = Text(max_length=500, required=True)

    @post_load
    def name_the_void(self, data: dict, **_: Any) -> dict:
        """A void is a record of its own, with an id derived from its target (so it is idempotent)."""
        return {"record_id": f"void-{data['record_id']}", "target_record_id": data["record_id"],
                "reason": data["reason"]}


OnVoid = Callable[[SectorStore, Any], None]


def void_record(store: SectorStore, cmd: dict, context: Context, on_void: OnVoid) -> Accepted:
    """Withdraw a record: its effects disappear everywhere its event went (a void event follows)."""
    target = store.get_record(cmd["target_record_id"])
    if target is None:
        raise NotFound(f"No record {cmd['target_record_id']}.")
    lock_keys(store.session, [f"{store.source}:{target.child_id}"])  # undoing it may reopen a rule
    if target.event_type == VOIDED:
        raise ValidationFailed({"record_id": ["A void cannot itself be voided."]})
    target.voided = True
    on_void(store, target)
    payload = {"voided_record_id": target.record_id, "voided_event_type": target.event_type,
               "reason": cmd["reason"]}
    store.on_voided(target, {"record_id": cmd["record_id"], **payload})
    return Accepted(VOIDED, target.child_id, target.area_code, context.today, payload,
                    answer={"voided_record_id": target.record_id})
