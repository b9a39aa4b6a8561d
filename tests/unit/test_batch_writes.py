"""The kit's batch write on SQLite, this project's engine (one transaction, a SAVEPOINT per record, or
none for a command marked ``refuses_before_writing``), and the rule that every write RPC of every
sector has its batch twin."""

from datetime import date

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from shared.contracts import CONTRACTS
from shared.contracts.batches import batch_rpc_name
from shared.exceptions import Forbidden, ValidationFailed
from shared.kit import batches
from shared.kit.batches import refuses_before_writing
from shared.kit.records import Accepted, Context
from shared.kit.sector import write_rpcs
from shared.plumbing.db import begin_for_savepoints, make_engine
from shared.rules.admin_units import admin_units
from tests.support import sample_sector
from tests.support.sample_sector import OutboxMessage, Record, SampleBase, SampleStore
from tools.access.declarations import declaration, service_class

SECTORS = ("registry", "health", "education", "protection")


class Relay:
    """The relay a batch hands its committed rows to (the broker is not this test's subject)."""

    def __init__(self) -> None:
        self.handed: list[list[str]] = []

    def claim_until(self) -> None:
        return None

    def committed(self, session, model, rows) -> int:
        self.handed.append([row.envelope["payload"]["record_id"] for row in rows])
        return len(rows)


@pytest.fixture(autouse=True)
def sample_contract(monkeypatch):
    for event_type, schema in sample_sector.CONTRACT.items():
        monkeypatch.setitem(CONTRACTS, (sample_sector.SOURCE, event_type), schema)


@pytest.fixture
def store(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/sample.db")
    SampleBase.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield SampleStore(session)
    engine.dispose()


def only_in_lai_chau(code, also) -> None:
    if code != "03388":
        raise Forbidden(f"The record is placed in commune {code}, outside the token's areas (12).")


CONTEXT = Context(today=date(2026, 12, 6), units=admin_units(), place_check=only_in_lai_chau)


@refuses_before_writing
def weighing_unsaved(store, cmd, ctx) -> Accepted:
    """The sample's rule, marked: it refuses before it writes, so a batch runs it without SAVEPOINTs."""
    return sample_sector.record_weighing(store, cmd, ctx)


BOTH_WAYS = pytest.mark.parametrize("command", [sample_sector.record_weighing, weighing_unsaved],
                                    ids=["savepoint_per_record", "marked_refuses_before_writing"])


def weighing(n: int, **overrides) -> dict:
    return {"record_id": f"weigh-{n}", "child_id": f"012324{n:06d}", "commune_code": "03388",
            "weight_kg": 8.4, "measured_on": "2025-01-15", **overrides}


def stored(store) -> tuple[list[str], int]:
    store.session.rollback()
    ids = sorted(store.session.scalars(select(Record.record_id)))
    return ids, store.session.scalar(select(func.count()).select_from(OutboxMessage))


def write_many(store, relay, records, command=sample_sector.record_weighing):
    return batches.write_many(store, relay, sample_sector.RecordWeighingSchema, command, records, CONTEXT,
                              limit=10)


@BOTH_WAYS
def test_a_batch_stores_its_good_records_in_one_outbox_batch_and_answers_each_refusal(store, command):
    relay = Relay()
    answers = write_many(store, relay, [
        weighing(1), weighing(2, weight_kg=-1), weighing(3, measured_on="2027-01-01"),
        weighing(4, commune_code="00004"), weighing(5), weighing(1), weighing(5, weight_kg=9.9)], command)
    assert [(a["record_id"], a["status"]) for a in answers] == [
        ("weigh-1", "accepted"), ("weigh-2", "refused"), ("weigh-3", "refused"), ("weigh-4", "refused"),
        ("weigh-5", "accepted"), ("weigh-1", "accepted"), ("weigh-5", "refused")]
    assert answers[5] == answers[0]
    assert [a["error"] for a in answers[1:4]] + [answers[6]["error"]] == [
        {"type": "ValidationFailed", "message": "weight_kg: Must be greater than or equal to 0.",
         "fields": {"weight_kg": ["Must be greater than or equal to 0."]}},
        {"type": "ValidationFailed",
         "message": "measured_on: Must not be in the future (today is 2026-12-06).",
         "fields": {"measured_on": ["Must not be in the future (today is 2026-12-06)."]}},
        {"type": "Forbidden",
         "message": "The record is placed in commune 00004, outside the token's areas (12)."},
        {"type": "Conflict", "message": "Record weigh-5 was already used for other data."}]
    assert stored(store) == (["weigh-1", "weigh-5"], 2)
    assert relay.handed == [["weigh-1", "weigh-5"]]


@BOTH_WAYS
def test_the_same_batch_sent_again_stores_nothing_more_and_answers_the_same(store, command):
    batch = [weighing(1), weighing(2, weight_kg=-1), weighing(3)]
    first = write_many(store, Relay(), batch, command)
    relay = Relay()
    assert write_many(store, relay, batch, command) == first
    assert (stored(store), relay.handed) == ((["weigh-1", "weigh-3"], 2), [])


@BOTH_WAYS
def test_a_twin_that_committed_after_the_batch_read_its_retries_is_answered_by_running_it_again(
        store, monkeypatch, command):
    [first] = write_many(store, Relay(), [weighing(1)], command)
    reads, real = [], store.records_among

    def first_read_misses(record_ids):  # as if weigh-1's twin had not committed yet
        reads.append(sorted(record_ids))
        return {} if len(reads) == 1 else real(record_ids)

    monkeypatch.setattr(store, "records_among", first_read_misses)
    relay = Relay()
    answers = write_many(store, relay, [weighing(2), weighing(1)], command)
    assert (reads, answers[1]) == ([["weigh-1", "weigh-2"]] * 2, first)
    assert (stored(store), relay.handed) == ((["weigh-1", "weigh-2"], 2), [["weigh-2"]])


def test_what_a_refused_command_wrote_before_refusing_rolls_back_alone(store):
    def write_then_refuse(store, cmd, ctx) -> Accepted:
        store.session.add(Record(record_id=f"side-{cmd['record_id']}", child_id=cmd["child_id"],
                                 event_type="x", request={}, payload={}, response={}))
        store.session.flush()
        if cmd["weight_kg"] > 50:
            raise ValidationFailed({"weight_kg": ["Too heavy for a child under 8."]})
        return sample_sector.record_weighing(store, cmd, ctx)

    answers = write_many(store, Relay(), [weighing(1), weighing(2, weight_kg=60.0)], write_then_refuse)
    assert [a["status"] for a in answers] == ["accepted", "refused"]
    assert stored(store) == (["side-weigh-1", "weigh-1"], 1)


def statements_of(store, batch: list[dict]) -> tuple[list[dict], list[str]]:
    """The batch's answers (``weighing_unsaved``), and the SQL statements it sent."""
    sent: list[str] = []

    def keep(conn, cursor, statement, *args) -> None:
        sent.append(statement)

    engine = store.session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        return write_many(store, Relay(), batch, weighing_unsaved), sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def test_a_marked_commands_batch_sends_no_savepoint_and_inserts_its_records_in_one_statement(store):
    answers, sent = statements_of(store, [weighing(1), weighing(2, weight_kg=-1),
                                          weighing(3, measured_on="2027-01-01"), weighing(4), weighing(5)])
    assert [a["status"] for a in answers] == ["accepted", "refused", "refused", "accepted", "accepted"]
    assert [s for s in sent if "SAVEPOINT" in s] == []
    assert sum(s.startswith("INSERT INTO records") for s in sent) == 1
    assert stored(store) == (["weigh-1", "weigh-4", "weigh-5"], 3)


def test_a_record_outside_the_writers_areas_leaves_a_marked_batch_without_savepoints_when_it_wrote_nothing(
        store):
    answers, sent = statements_of(store, [weighing(1), weighing(2, commune_code="00004"), weighing(3)])
    assert [a["status"] for a in answers] == ["accepted", "refused", "accepted"]
    assert answers[1]["error"]["type"] == "Forbidden"
    assert [s for s in sent if "SAVEPOINT" in s] == []
    assert stored(store) == (["weigh-1", "weigh-3"], 2)


def with_side_row(store, cmd) -> None:
    store.session.add(Record(record_id=f"side-{cmd['record_id']}", child_id=cmd["child_id"],
                             event_type="side", request={}, payload={}, response={}))


@refuses_before_writing
def weighing_too_heavy_after_a_side_row(store, cmd, ctx) -> Accepted:
    """A marked rule that breaks its promise: a heavy child's side row is added, then refused."""
    if cmd["weight_kg"] > 50:
        with_side_row(store, cmd)
        raise ValidationFailed({"weight_kg": ["Too heavy for a child."]})
    return sample_sector.record_weighing(store, cmd, ctx)


@refuses_before_writing
def weighing_with_a_side_row(store, cmd, ctx) -> Accepted:
    """A marked rule that writes a side row for every record: the place check comes after it."""
    with_side_row(store, cmd)
    return sample_sector.record_weighing(store, cmd, ctx)


@pytest.mark.parametrize(("command", "refused", "kept"), [
    (weighing_too_heavy_after_a_side_row, weighing(2, weight_kg=60), ["weigh-1", "weigh-3"]),
    (weighing_with_a_side_row, weighing(2, commune_code="00004"),
     ["side-weigh-1", "side-weigh-3", "weigh-1", "weigh-3"]),
], ids=["refused_by_the_command", "refused_by_the_place_check"])
def test_a_record_refused_after_its_marked_command_wrote_sends_the_batch_round_again_with_savepoints(
        store, command, refused, kept):
    """The mark is checked, not trusted: only a SAVEPOINT undoes what the command wrote."""
    sent = []
    event.listen(store.session.get_bind(), "before_cursor_execute", lambda *args: sent.append(args[2]))
    answers = write_many(store, Relay(), [weighing(1), refused, weighing(3)], command)
    assert [a["status"] for a in answers] == ["accepted", "refused", "accepted"]
    assert any(s.startswith("SAVEPOINT") for s in sent)  # the round again
    assert stored(store) == (kept, 2)


def test_a_batch_that_fails_after_its_first_records_stores_none_of_them(store):
    """pysqlite sends BEGIN only before a write: without ``begin_for_savepoints`` the first SAVEPOINT
    would be the outer transaction, and its RELEASE would have committed weigh-1 already."""
    def fail_on_the_third(store, cmd, ctx) -> Accepted:
        if cmd["record_id"] == "weigh-3":
            raise RuntimeError("the database went away")
        return sample_sector.record_weighing(store, cmd, ctx)

    relay = Relay()
    with pytest.raises(RuntimeError):
        write_many(store, relay, [weighing(1), weighing(2), weighing(3)], fail_on_the_third)
    assert (stored(store), relay.handed) == (([], 0), [])


def test_a_savepoint_released_on_sqlite_is_undone_by_the_outer_rollback(store):
    session = store.session
    begin_for_savepoints(session)
    with session.begin_nested():
        session.execute(text("INSERT INTO records (record_id, child_id, event_type, request, payload, "
                             "response, voided) VALUES ('r-1', 'c', 'x', '{}', '{}', '{}', 0)"))
    session.rollback()
    assert stored(store) == ([], 0)


@pytest.mark.parametrize("records, message", [
    ({"record_id": "weigh-1"}, "Expected a list of records."),
    ([weighing(n) for n in range(11)], "At most 10 records in one batch (11 given)."),
])
def test_a_batch_that_is_not_a_list_or_too_long_is_refused_whole_naming_records(store, records, message):
    with pytest.raises(ValidationFailed) as error:
        write_many(store, Relay(), records)
    assert error.value.errors == {"records": [message]}
    assert stored(store) == ([], 0)


@pytest.mark.parametrize("sector", SECTORS)
def test_every_write_rpc_of_every_sector_has_its_batch_twin(sector):
    service = service_class(sector)
    writes = write_rpcs(service)
    assert {"void_record", "refer_child", "record_provisional_child"} <= set(writes)
    assert {batch_rpc_name(name) for name in writes} <= set(declaration(service).rpc_methods)


def test_the_registry_takes_births_one_by_one_and_in_batches():
    methods = declaration(service_class("registry")).rpc_methods
    assert {"register_birth", "register_births", "refer_children", "void_records"} <= set(methods)
