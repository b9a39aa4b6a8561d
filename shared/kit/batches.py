"""A sector's batch write: many records of one command, each answered as its single write would be.

``write_many`` is ``records.write`` for a list (``shared.contracts.batches``): one validation pass,
every subject of the batch locked up front in one ordered call (two batches never wait for each
other), the retried ``record_id``\\ s read in one query, ONE transaction and ONE outbox batch, staged
after every command (the log's turn is the last lock a batch takes, as in a single write) and handed
to the relay after the commit. Each command runs in a SAVEPOINT, so a record the command refuses
(``ValidationFailed``, ``NotFound``, ``Conflict``) or that lies outside the writer's areas
(``Forbidden``) rolls back alone and is answered with its typed error as data; the others stand. A
record id seen twice in one batch answers the second like a retry. A racing twin found at a flush
or the commit (``IntegrityError``) makes the whole batch run once more, where replays answer it.

A command marked ``refuses_before_writing`` (its refusals and its ``Answered`` come before it writes
anything) runs without the SAVEPOINT: a refused record left nothing to undo. The store reads ahead
what such a batch's commands read one by one (``SectorStore.read_ahead``), so the batch's rows go to
the database in the flush at its commit, not one flush per record. Should the place check refuse a
record after its command wrote, the batch is rolled back and run again with a SAVEPOINT per record.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from marshmallow import Schema
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.contracts.batches import BATCH_MAX_RECORDS, refusal
from shared.contracts.fields import load
from shared.exceptions import Conflict, Forbidden, NotFound, PlatformError, ValidationFailed
from shared.kit.records import (
    PENDING,
    Answered,
    Command,
    Context,
    SectorStore,
    json_safe,
    judgement,
    replayed,
    subjects,
)
from shared.plumbing.db import begin_for_savepoints, ending_open_transaction, lock_keys

REFUSED_ALONE = (ValidationFailed, NotFound, Conflict, Forbidden)


def checked_batch(records: Any, limit: int) -> list:
    """The batch itself, or ``ValidationFailed`` naming ``records`` (nothing is stored)."""
    if not isinstance(records, list):
        raise ValidationFailed({"records": ["Expected a list of records."]})
    if len(records) > limit:
        raise ValidationFailed({"records": [f"At most {limit} records in one batch ({len(records)} given)."]})
    return records


@dataclass(frozen=True)
class Prior:
    """A record the batch has already answered (a retry of it answers the same)."""

    request: dict
    response: dict


def refuses_before_writing(command: Command) -> Command:
    """Mark a command that writes nothing before it refuses a record or answers it (``Answered``):
    in a batch it runs without a SAVEPOINT per record."""
    command.refuses_before_writing = True
    return command


@dataclass
class Batch:
    store: SectorStore
    command: Command
    context: Context
    earlier: dict[str, Any]  # records stored before this batch, by record_id
    careful: bool  # a SAVEPOINT per record (a command not marked ``refuses_before_writing``)
    seen: dict[str, Prior] = field(default_factory=dict)
    envelopes: list = field(default_factory=list)  # the events of the records stored, in order
    added: int = 0  # rows added to the session so far (``_counting_rows``)

    def count_added(self, session: Session, instance: Any) -> None:
        self.added += 1


def write_many(store: SectorStore, relay: Any, schema: type[Schema], command: Command, records: Any,
               context: Context, limit: int = BATCH_MAX_RECORDS, retried: bool = False,
               careful: bool | None = None) -> list[dict]:
    """Validate every record, then write the valid ones in one transaction and publish their events
    after its commit; answer each record, in order."""
    loaded = [_loaded(schema, data) for data in checked_batch(records, limit)]
    cmds = [cmd for cmd, _ in loaded if cmd is not None]
    careful = not getattr(command, "refuses_before_writing", False) if careful is None else careful
    session = store.session
    with ending_open_transaction(session):
        lock_keys(session, [*(key for cmd in cmds for key in subjects(store.source, cmd)),
                            *store.also_locked_for(cmds)])
        begin_for_savepoints(session)
        batch = Batch(store, command, context,
                      store.records_among(list({cmd["record_id"] for cmd in cmds})), careful)
        try:  # a racing twin shows at a flush or at the commit
            with _reading_ahead(store, cmds, careful), _counting_rows(batch):
                answers = [refused or _write_one(batch, cmd) for cmd, refused in loaded]
            # the lease starts now, not when the batch began: a long batch's rows are still this worker's
            rows = store.stage_events(batch.envelopes, relay.claim_until()) if batch.envelopes else []
            session.commit()
        except IntegrityError:
            session.rollback()
            if retried:
                raise
            return write_many(store, relay, schema, command, records, context, limit, True, careful)
        except _Redo:  # a record refused after its command wrote: a SAVEPOINT per record this time
            session.rollback()
            return write_many(store, relay, schema, command, records, context, limit, retried, True)
    if rows:
        relay.committed(session, store.outbox_model, rows)
    return answers


@contextmanager
def _reading_ahead(store: SectorStore, cmds: list[dict], careful: bool) -> Iterator[None]:
    """What the commands read, read ahead while they run (not when each record has a SAVEPOINT: a
    record rolled back alone would leave what it added in the store's reads)."""
    if careful:
        yield
        return
    store.read_ahead(cmds)
    try:
        yield
    finally:
        store.forget_read_ahead()


@contextmanager
def _counting_rows(batch: Batch) -> Iterator[None]:
    """``batch.added`` counts the rows the commands add to the session meanwhile."""
    if batch.careful:
        yield
        return
    event.listen(batch.store.session, "after_attach", batch.count_added)
    try:
        yield
    finally:
        event.remove(batch.store.session, "after_attach", batch.count_added)


def _loaded(schema: type[Schema], data: Any) -> tuple[dict | None, dict | None]:
    """``(command, None)``, or ``(None, the record's refusal)``."""
    try:
        return load(schema, data), None
    except ValidationFailed as error:
        return None, refusal(data.get("record_id") if isinstance(data, dict) else None, error)


def _write_one(batch: Batch, cmd: dict) -> dict:
    record_id = cmd["record_id"]
    request = batch.store.stored_request(json_safe(cmd))
    try:
        answer = _retried(batch, cmd, request)
        if answer is None:
            step = partial(_new_record, batch, cmd, request)
            answer = _in_savepoint(batch, step) if batch.careful else _unsaved(batch, step)
            batch.seen[record_id] = Prior(request, answer)
        return answer
    except REFUSED_ALONE as error:
        return refusal(record_id, error)


def _retried(batch: Batch, cmd: dict, request: dict) -> dict | None:
    """The answer to a record id this batch or an earlier write already used (None: a new one)."""
    record_id = cmd["record_id"]
    if record_id in batch.seen:
        return replayed(batch.seen[record_id], record_id, request)
    replay = replayed(batch.earlier.get(record_id), record_id, request)
    if replay is None:
        return None
    judged = _in_savepoint(batch, lambda: _judged(batch, cmd, replay)) if replay.get("status") == PENDING \
        else None
    batch.seen[record_id] = Prior(request, judged or replay)
    return judged or replay


def _judged(batch: Batch, cmd: dict, replay: dict) -> dict | None:
    """A pending replay's judgement, kept on its record (committed with the batch)."""
    judged = judgement(batch.store, batch.command, cmd, batch.context, replay)
    if judged is not None:
        batch.earlier[cmd["record_id"]].response = judged
    return judged


def _new_record(batch: Batch, cmd: dict, request: dict) -> dict:
    store, context = batch.store, batch.context
    result = batch.command(store, cmd, context)
    if isinstance(result, Answered):
        raise _Unstored(result.response)
    if context.place_check is not None:
        context.place_check(result.area_code, result.also_placed)
    envelope, response = store.add_record(cmd["record_id"], request, result, context.provenance)
    batch.envelopes.append(envelope)
    return response


class _Unstored(PlatformError):
    """A command answered without storing anything: whatever it touched rolls back."""

    def __init__(self, response: dict) -> None:
        super().__init__("answered, nothing stored")
        self.response = response


class _Redo(PlatformError):
    """A record refused after its command wrote, in a batch without SAVEPOINTs: run it with them."""


def _unsaved(batch: Batch, step: Any) -> Any:
    """Run ``step`` of a command that writes nothing before it refuses or answers: nothing to undo.
    Its promise is checked, not trusted: a record refused (by the place check, or by a command
    edited to write first) after the step added a row sends the batch round again with SAVEPOINTs."""
    added = batch.added
    try:
        return step()
    except _Unstored as answered:
        if batch.added != added:
            raise _Redo() from None
        return answered.response
    except REFUSED_ALONE:
        if batch.added != added:
            raise _Redo() from None
        raise


def _in_savepoint(batch: Batch, step: Any) -> Any:
    """Run ``step`` in a SAVEPOINT: kept if it returns, rolled back alone if it raises."""
    session = batch.store.session
    stored = len(batch.envelopes)
    nested = session.begin_nested()
    try:
        result = step()
    except _Unstored as answered:
        nested.rollback()
        return answered.response
    except BaseException:
        nested.rollback()
        del batch.envelopes[stored:]
        raise
    nested.commit()
    return result
