"""Handler workers gather into batches (``shared.plumbing.batching``): the first waits for the others,
applies them all in one call, and each worker gets its own outcome; a full batch closes."""

from types import SimpleNamespace

import eventlet
import pytest

from shared.plumbing.batching import EventBatches


def event_batches(size: int, wait_ms: int) -> EventBatches:
    batches = EventBatches()
    batches.container = SimpleNamespace(config={"EVENT_BATCH_SIZE": size, "EVENT_BATCH_WAIT_MS": wait_ms})
    batches.setup()
    return batches


class Recorder:
    """``apply_all``: notes each batch; a body named "bad" fails alone."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def __call__(self, bodies: list[str]) -> list[Exception | None]:
        self.batches.append(list(bodies))
        return [ValueError(f"{body} cannot apply") if body == "bad" else None for body in bodies]


def outcome(thread) -> str:
    try:
        thread.wait()
        return "applied"
    except ValueError as error:
        return str(error)


def test_workers_arriving_while_the_first_waits_are_applied_in_one_call_each_with_its_outcome():
    batches, applied = event_batches(size=3, wait_ms=5000), Recorder()
    threads = [eventlet.spawn(batches.join, body, applied) for body in ("a", "bad", "c")]
    assert [outcome(thread) for thread in threads] == ["applied", "bad cannot apply", "applied"]
    assert applied.batches == [["a", "bad", "c"]]


def test_a_full_batch_closes_and_the_next_worker_leads_another():
    batches, applied = event_batches(size=2, wait_ms=0), Recorder()
    threads = [eventlet.spawn(batches.join, body, applied) for body in ("a", "b", "c")]
    assert [outcome(thread) for thread in threads] == ["applied"] * 3
    assert applied.batches == [["a", "b"], ["c"]]


def test_the_leaders_own_failure_is_raised_in_the_leader():
    batches, applied = event_batches(size=1, wait_ms=50), Recorder()
    with pytest.raises(ValueError, match="bad cannot apply"):
        batches.join("bad", applied)
    assert applied.batches == [["bad"]]
