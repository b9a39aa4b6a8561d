"""A file loaded batch by batch (tools.load.run, tools.load.sender, tools.load.meter), with a
service double: answers counted, a crash resumed without resending an answered batch, Ctrl-C
honoured between batches, a batch without answer sent again then given up, never skipped."""

import io
import json

import pytest
from nameko.exceptions import RpcTimeout

from shared.contracts.batches import refusal
from shared.exceptions import ValidationFailed
from tests.support.factories import make_growth
from tools.load.kinds import Kind
from tools.load.meter import Meter
from tools.load.progress import read_progress
from tools.load.run import Interrupted, Source, Stop, load_file
from tools.load.sender import BrokenContract, Sender, TransportFailed

GROWTHS = Kind("health", "record_growth")


class Crash(Exception):
    """The loader's process dying between an answer and its save (as a SIGKILL would)."""


class FakeHealth:
    """A cluster proxy's ``health.record_growths``: refuses records without a weight, keeps what it got."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.failures = failures or []

    def record_growths(self, records):
        if self.failures:
            raise self.failures.pop(0)
        self.batches.append([record["record_id"] for record in records])
        return [{"record_id": r["record_id"], "status": "accepted"} if "weight_kg" in r
                else refusal(r["record_id"], ValidationFailed({"weight_kg": ["Give a weight."]}))
                for r in records]


class FakeProxy:
    def __init__(self, health: FakeHealth, opened: list[str]) -> None:
        self.health, self.opened = health, opened

    def start(self):
        self.opened.append("start")
        return self

    def stop(self) -> None:
        self.opened.append("stop")


def sender_for(health: FakeHealth, opened: list | None = None, slept: list | None = None) -> Sender:
    opened, slept = [] if opened is None else opened, [] if slept is None else slept
    return Sender(lambda: FakeProxy(health, opened), retries=2, sleep=slept.append, say=lambda _: None)


@pytest.fixture
def source(tmp_path) -> Source:
    records = [make_growth(f"child-{n}", record_id=f"g-{n}") for n in range(1, 8)]
    del records[2]["weight_kg"]
    path = tmp_path / "health.record_growth.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records) + "{not json\n")
    return Source.of(path)


def test_a_file_is_sent_in_batches_and_every_answer_counted(source):
    health = FakeHealth()
    progress = load_file(source, sender_for(health), 3, Stop(), stream=io.StringIO())
    assert health.batches == [["g-1", "g-2", "g-3"], ["g-4", "g-5", "g-6"], ["g-7"]]  # line 8 is not sent
    assert (progress.rows_done, progress.accepted, progress.refused, progress.complete) == (
        8, 6, {"ValidationFailed": 2}, True)
    assert [json.loads(line)["line"] for line in source.path.with_name(
        "health.record_growth.jsonl.refused.jsonl").open()] == [3, 8]


def test_a_loaded_file_is_not_sent_again(source):
    load_file(source, sender_for(FakeHealth()), 3, Stop(), stream=io.StringIO())
    again = FakeHealth()
    assert load_file(source, sender_for(again), 3, Stop(), stream=io.StringIO()).accepted == 6
    assert again.batches == []


def test_a_load_that_died_after_two_batches_sends_only_the_rest(source, monkeypatch):
    health = FakeHealth()
    saves = []

    def dies_saving_the_third_batch(path, progress):
        saves.append(progress.rows_done)
        if len(saves) == 4:  # the first save is the fresh progress, before any batch
            raise Crash
        real_save(path, progress)

    from tools.load import run

    real_save = run.save_progress
    monkeypatch.setattr(run, "save_progress", dies_saving_the_third_batch)
    with pytest.raises(Crash):
        load_file(source, sender_for(health), 2, Stop(), stream=io.StringIO())
    monkeypatch.undo()
    assert read_progress(source.path).rows_done == 4

    resumed = FakeHealth()
    progress = load_file(source, sender_for(resumed), 2, Stop(), stream=io.StringIO())

    assert resumed.batches == [["g-5", "g-6"], ["g-7"]]  # g-5, g-6: the batch in flight, sent again
    assert (progress.accepted, progress.refused_total()) == (6, 2)
    assert [json.loads(line)["line"] for line in source.path.with_name(
        "health.record_growth.jsonl.refused.jsonl").open()] == [3, 8]


def test_ctrl_c_stops_between_batches_with_the_answered_ones_saved(source):
    stop = Stop(io.StringIO())
    health = FakeHealth()
    sender = sender_for(health)
    original = sender.send

    def ctrl_c_during_the_second_batch(kind, records):
        if len(health.batches) == 1:
            stop.handle()
        return original(kind, records)

    sender.send = ctrl_c_during_the_second_batch
    with pytest.raises(Interrupted, match="stopped after row 6 of 8"):
        load_file(source, sender, 3, stop, stream=io.StringIO())
    assert health.batches == [["g-1", "g-2", "g-3"], ["g-4", "g-5", "g-6"]]
    assert read_progress(source.path).rows_done == 6


def test_a_batch_without_answer_is_sent_again_on_a_fresh_connection_after_a_growing_wait():
    health, opened, slept = FakeHealth([RpcTimeout(60), ConnectionResetError("broker gone")]), [], []
    answers = sender_for(health, opened, slept).send(GROWTHS, [make_growth("c-1", record_id="g-1")])
    assert answers == [{"record_id": "g-1", "status": "accepted"}]
    assert slept == [1.0, 2.0]
    assert opened == ["start", "stop", "start", "stop", "start"]


def test_a_batch_still_without_answer_after_the_retries_stops_the_load_and_is_not_skipped():
    health, slept = FakeHealth([RpcTimeout(60)] * 3), []
    with pytest.raises(TransportFailed, match=r"health.record_growths: no answer after 3 tries \(RpcTimeout"):
        sender_for(health, slept=slept).send(GROWTHS, [make_growth("c-1")])
    assert (health.batches, slept) == ([], [1.0, 2.0])


def test_a_service_that_does_not_answer_each_record_breaks_the_contract():
    health = FakeHealth()
    health.record_growths = lambda records: []
    with pytest.raises(BrokenContract, match="answered 0 for a batch of 1 records"):
        sender_for(health).send(GROWTHS, [make_growth("c-1")])


def test_the_progress_line_gives_rows_done_rate_and_time_left():
    now = iter([100.0, 110.0, 110.0])
    shown = io.StringIO()
    meter = Meter("births.csv", total=10_000, done=1_000, stream=shown, clock=lambda: next(now))
    meter.update(2_500)
    assert shown.getvalue() == "births.csv: 2,500/10,000 rows  25.0%  150 rows/s  ETA 50s\n"


def test_a_second_ctrl_c_leaves_at_once_with_status_130(monkeypatch):
    exits, told = [], io.StringIO()
    monkeypatch.setattr("tools.load.run.os._exit", exits.append)
    stop = Stop(told)
    stop.handle()
    assert (stop.requested, exits) == (True, [])
    stop.handle()
    assert exits == [130]
    assert told.getvalue().splitlines()[-1] == (
        "Stopped at once: the batch in flight was not saved (it is sent again on the next run).")
