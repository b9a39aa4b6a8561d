"""Reporting applies the events it consumes in batches (issue 19), on the real broker: births
published at once are each in reporting exactly once, in fewer transactions than events, and a poison
event among them is retried and dead-lettered alone while the others are applied."""

import json

import pytest
from kombu import Connection, Exchange
from nameko.testing.services import entrypoint_waiter
from prometheus_client import REGISTRY

from services.reporting.service import ReportingService
from tests.integration.conftest import started
from tests.integration.test_poison_events import next_dead_letter
from tests.support.factories import make_birth_envelope
from tests.support.hooks import call

REPORTING = {"service": "reporting"}

BIRTHS = 500
REDELIVERED = 50
BATCHED = {"EVENT_BATCH_SIZE": 50, "EVENT_BATCH_WAIT_MS": 50, "EVENT_PREFETCH": 100, "max_workers": 60}


@pytest.fixture
def batched_reporting(container_factory, service_config):
    return started(container_factory, service_config, ReportingService, EVENT_RETRY_LIMIT=1, **BATCHED)


def publish(amqp_uri: str, envelopes: list[dict]) -> None:
    """As the registry's relay would, on one connection, one after the other."""
    with Connection(amqp_uri) as conn:
        producer = conn.Producer()
        for envelope in envelopes:
            producer.publish(json.dumps(envelope), exchange=Exchange("registry.events", type="topic"),
                             routing_key=envelope["event_type"], content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2)


def batches() -> tuple[float, float]:
    """(transactions, events in them) of reporting's ``ecd_projection_batch_events`` so far."""
    return (REGISTRY.get_sample_value("ecd_projection_batch_events_count", REPORTING) or 0,
            REGISTRY.get_sample_value("ecd_projection_batch_events_sum", REPORTING) or 0)


def handled(container, count: int):
    """Wait until the birth handler's workers have run ``count`` times."""
    runs = []
    return entrypoint_waiter(container, "handle_registry_birth_registered", timeout=120,
                             callback=lambda *_: runs.append(1) or len(runs) == count)


def test_births_published_at_once_are_each_applied_once_in_fewer_transactions_than_events(
        batched_reporting):
    births = [make_birth_envelope() for _ in range(BIRTHS)]
    before = batches()
    with handled(batched_reporting, BIRTHS + REDELIVERED):
        publish(batched_reporting.config["AMQP_URI"], births + births[:REDELIVERED])
    transactions, events = (after - earlier for after, earlier in zip(batches(), before, strict=True))
    assert call(batched_reporting, "view_stats") == {
        "children": BIRTHS, "registered": BIRTHS, "processed_events": BIRTHS}
    assert events == BIRTHS + REDELIVERED
    assert transactions < BIRTHS / 5


def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_the_others_are_applied(batched_reporting):
    births = [make_birth_envelope() for _ in range(20)]
    poison = dict(make_birth_envelope(), schema_version=2)
    with handled(batched_reporting, 20 + 2):  # the poison one: its delivery, then its one retry
        publish(batched_reporting.config["AMQP_URI"], [*births[:10], poison, *births[10:]])
    parked = next_dead_letter(batched_reporting.config["AMQP_URI"])
    assert json.loads(parked.body)["event_id"] == poison["event_id"]
    assert call(batched_reporting, "view_stats") == {"children": 20, "registered": 20, "processed_events": 20}
