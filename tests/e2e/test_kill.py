"""Nothing lost, nothing counted twice: 1,000 registrations while processes are SIGKILLed, on classic
queues and on quorum queues (``QUEUE_TYPE``)."""

from datetime import date, timedelta

import pytest
from nameko.exceptions import RpcTimeout
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from services.registry.orm import OutboxMessage
from shared.plumbing.queue_types import QUEUE_TYPES
from tests.support.factories import make_birth
from tests.support.identities import cluster_proxy
from tests.support.processes import wait_ready, wait_until

pytestmark = pytest.mark.e2e
CHILDREN = 1000
LATE_EVERY = 3  # every third birth is registered after 90 days: 334 late, 666 on time


def births() -> list[dict]:
    records = []
    for i in range(CHILDREN):
        born = date(2024, 1, 1) + timedelta(days=i % 200)
        delay = 90 if i % LATE_EVERY == 0 else 10
        records.append(make_birth(record_id=f"kill-{i}", date_of_birth=born.isoformat(),
                                  registration_date=(born + timedelta(days=delay)).isoformat()))
    return records


def register_all(config, records, on_each, on_timeout):
    """Register every record; a timed-out call is retried with the same record_id."""
    with cluster_proxy(config, timeout=4) as rpc:
        for i, record in enumerate(records):
            on_each(i)
            while True:
                try:
                    rpc.registry.register_birth(record)
                    break
                except RpcTimeout:
                    on_timeout()


def assert_exactly_all_projected(config):
    with cluster_proxy(config, timeout=10) as rpc:
        stats = wait_until(lambda: (s := rpc.reporting.view_stats())["processed_events"] >= CHILDREN
                           and s, 120, f"{CHILDREN} events in the view")
        indicator = rpc.reporting.indicators("03388", "2024-12-31")["indicators"]
    assert stats == {"children": CHILDREN, "registered": CHILDREN, "processed_events": CHILDREN}
    assert indicator["birth_registration_on_time"] == {
        "numerator": 666, "denominator": 1000, "value": 0.666}


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_reporting_killed_twice_while_registering_still_holds_exactly_1000(platform):
    processes, config, _ = platform
    reporting = processes["reporting"]

    def kill_reporting_at(i):
        if i in (300, 700):
            reporting.kill()
            reporting.start()

    register_all(config, births(), kill_reporting_at, on_timeout=lambda: None)
    wait_ready(config, "reporting", "view_stats")
    assert reporting.starts == 3
    assert_exactly_all_projected(config)


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_registry_killed_between_commit_and_publish_still_delivers_exactly_1000(platform,
                                                                             clean_infra):
    processes, config, _ = platform
    registry = processes["registry"]
    registry.kill()
    registry.start(REGISTRY_FAULT_KILL_AFTER_COMMIT="250")
    wait_ready(config, "registry", "events_since")
    faults = iter(["400", "0"])  # die again 400 commits later, then run clean

    def restart_dead_registry():
        if not registry.alive():
            registry.start(REGISTRY_FAULT_KILL_AFTER_COMMIT=next(faults))
            wait_ready(config, "registry", "events_since")

    register_all(config, births(), lambda i: None, restart_dead_registry)
    assert registry.starts == 4
    assert_exactly_all_projected(config)
    engine = create_engine(clean_infra.db_url("registry"))
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(OutboxMessage))
        unsent = session.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.sent_at.is_(None)))
    engine.dispose()
    assert (total, unsent) == (CHILDREN, 0)


BATCHES = 3
BATCH = 100  # births per register_births call


def register_in_batches(config, records, on_timeout) -> list[dict]:
    """Register every record ``BATCH`` at a time; a timed-out batch is sent again whole."""
    answers = []
    with cluster_proxy(config, timeout=20) as rpc:
        for start in range(0, len(records), BATCH):
            while True:
                try:
                    answers += rpc.registry.register_births(records[start:start + BATCH])
                    break
                except RpcTimeout:
                    on_timeout()
    return answers


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_a_batch_replayed_after_a_crash_stores_nothing_twice(platform, clean_infra):
    """The registry dies between committing its second batch and publishing it; the caller sends
    that batch again to the restarted registry, which answers it from its records."""
    processes, config, _ = platform
    registry = processes["registry"]
    registry.kill()
    registry.start(REGISTRY_FAULT_KILL_AFTER_COMMIT="2")
    wait_ready(config, "registry", "events_since")

    def restart_dead_registry():
        if not registry.alive():
            registry.start(REGISTRY_FAULT_KILL_AFTER_COMMIT="0")
            wait_ready(config, "registry", "events_since")

    records = births()[:BATCHES * BATCH]
    answers = register_in_batches(config, records, restart_dead_registry)
    assert registry.starts == 3
    assert [(a["record_id"], a["status"]) for a in answers] == [(r["record_id"], "accepted") for r in records]
    assert len({a["event_id"] for a in answers}) == BATCHES * BATCH
    with cluster_proxy(config, timeout=10) as rpc:
        stats = wait_until(lambda: (s := rpc.reporting.view_stats())["processed_events"] >= BATCHES * BATCH
                           and s, 120, f"{BATCHES * BATCH} events in the view")
    assert stats == {"children": BATCHES * BATCH, "registered": BATCHES * BATCH,
                     "processed_events": BATCHES * BATCH}
    engine = create_engine(clean_infra.db_url("registry"))
    with Session(engine) as session:
        rows = session.scalars(select(OutboxMessage.envelope)).all()
        unsent = session.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.sent_at.is_(None)))
    engine.dispose()
    assert (sorted(row["payload"]["record_id"] for row in rows), unsent) == (
        sorted(r["record_id"] for r in records), 0)
