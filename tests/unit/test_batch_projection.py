"""Reporting applies many events in one transaction (issue 19): a generated province's stream, with a
child met before its registration and a referral, shuffled and partly delivered twice, gives in
batches exactly the tables it gives one event at a time; a poison event in a batch fails alone;
catch-up applies a log page as one batch."""

import random

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.generated_events import fetches, logs_of
from services.reporting.orm import ProcessedEvent, ReportingBase
from services.reporting.use_cases import apply_batch, apply_event, apply_events, catch_up
from shared.exceptions import ValidationFailed
from shared.plumbing.metrics import service_metrics
from tests.support.event_streams import dump, province_stream

REPORTING = {"service": "reporting"}

METRICS = service_metrics("reporting")


def new_session() -> Session:
    engine = create_engine("sqlite://")
    ReportingBase.metadata.create_all(engine)
    return Session(engine)


@pytest.fixture(scope="module")
def stream() -> list[dict]:
    return province_stream(120)


def one_by_one(events: list[dict]) -> dict[str, list[tuple]]:
    with new_session() as session:
        for body in events:
            apply_event(session, body, METRICS)
        return dump(session)


def in_batches(events: list[dict], size: int) -> dict[str, list[tuple]]:
    with new_session() as session:
        for start in range(0, len(events), size):
            apply_events(session, events[start:start + size], METRICS)
        return dump(session)


def shuffled_with_redeliveries(events: list[dict], seed: int) -> list[dict]:
    rng = random.Random(seed)
    delivered = events + rng.sample(events, len(events) // 10)
    rng.shuffle(delivered)
    return delivered


def test_the_stream_holds_every_sector_a_provisional_child_and_a_referral(stream):
    assert {body["source"] for body in stream} == {"registry", "health", "education", "protection"}
    assert {"identity_linked", "referral_accepted", "record_voided"} <= {b["event_type"] for b in stream}


@pytest.mark.parametrize("size, seed", [(64, 1), (500, 2)])
def test_batches_of_a_shuffled_stream_delivered_partly_twice_give_the_one_by_one_tables(stream, size, seed):
    expected = one_by_one(stream)
    assert in_batches(shuffled_with_redeliveries(stream, seed), size) == expected
    assert len(expected["processed_events"]) == len(stream)


def test_a_batch_applies_each_event_once_and_answers_how_many_were_new(stream):
    first, again = stream[:40], stream[20:60]
    with new_session() as session:
        assert apply_events(session, first + first[:5], METRICS) == 40
        assert apply_events(session, again, METRICS) == 20
        assert len(session.scalars(select(ProcessedEvent.event_id)).all()) == 60


def poisoned(events: list[dict]) -> list[dict]:
    bad = {**events[3], "payload": {**events[3]["payload"], "record_id": None}}
    return [*events[:3], bad, *events[4:]]


def test_a_batch_with_a_poison_event_stores_nothing_at_once(stream):
    with new_session() as session:
        with pytest.raises(ValidationFailed):
            apply_events(session, poisoned(stream[:10]), METRICS)
        assert session.scalars(select(ProcessedEvent.event_id)).all() == []


def test_a_poison_event_fails_alone_and_the_others_of_its_batch_are_applied(stream):
    batch = poisoned(stream[:10])
    with new_session() as session:
        outcomes = apply_batch(session, batch, METRICS)
        applied = set(session.scalars(select(ProcessedEvent.event_id)))
    assert [type(outcome).__name__ for outcome in outcomes] == ["NoneType"] * 3 + ["ValidationFailed"] + [
        "NoneType"] * 6
    assert applied == {body["event_id"] for i, body in enumerate(batch) if i != 3}


def batch_count() -> float:
    return REGISTRY.get_sample_value("ecd_projection_batch_events_count", REPORTING) or 0


def test_catch_up_applies_each_page_of_a_log_in_one_transaction(stream):
    registry = [body for body in stream if body["source"] == "registry"][:230]
    parked = []
    before = batch_count()
    with new_session() as session:
        result = catch_up(session, "registry", fetches(logs_of(registry), page=100)["registry"], METRICS,
                          lambda *args: parked.append(args))
    assert (result["applied"], result["read"], parked) == (230, 230, [])
    assert batch_count() - before == 3  # pages of 100, 100 and 30


def test_catch_up_parks_an_entry_that_breaks_its_contract_and_applies_the_rest_of_its_page(stream):
    registry = poisoned([body for body in stream if body["source"] == "registry"][:10])
    parked = []
    with new_session() as session:
        result = catch_up(session, "registry", fetches(logs_of(registry))["registry"], METRICS,
                          lambda envelope, error, source, event_type: parked.append(envelope["event_id"]))
    assert (result["applied"], parked) == (9, [registry[3]["event_id"]])
