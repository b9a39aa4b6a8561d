"""A worker's committed events go out once it has answered (nameko's ``worker_result``): all of them
in one window, in position order, then settled; a failure there leaves them to the timer and reaches
no one; what the worker left uncommitted is not committed by the settle."""

from datetime import timedelta
from unittest.mock import Mock

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from services.registry.orm import OutboxMessage
from shared.plumbing.confirms import Outcome
from shared.plumbing.outbox import OutboxRelay, Relay, stage
from shared.rules.clock import utc_now
from tests.support.factories import make_birth_envelope

LEASE = timedelta(seconds=10)


@pytest.fixture
def engine(registry_engine):
    return registry_engine


def committed(session: Session, count: int) -> list:
    """Rows a worker staged claimed by itself and committed."""
    rows = [stage(session, OutboxMessage, make_birth_envelope(), utc_now() + LEASE) for _ in range(count)]
    session.commit()
    return rows


def states(engine) -> dict[int, tuple[bool, bool]]:
    """position -> (sent, claimed)"""
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxMessage.position, OutboxMessage.sent_at,
                                   OutboxMessage.claimed_until))
        return {position: (sent is not None, claimed is not None) for position, sent, claimed in rows}


def confirming(published: list) -> Mock:
    """A broker that confirms every message, noting each window it was handed."""
    def publish(claimed):
        published.append([position for position, _ in claimed])
        return Outcome(sent=[position for position, _ in claimed])
    return Mock(side_effect=publish)


def worker_relay(publish) -> Relay:
    provider = Mock(publish=publish, batch=500, lease=LEASE, unrouted_retry=timedelta(seconds=5))
    return Relay(provider, after_answer=True)


def test_a_workers_events_wait_for_its_answer_then_go_out_in_one_window_in_position_order(engine):
    published = []
    relay = worker_relay(confirming(published))
    with Session(engine, expire_on_commit=False) as session:
        first, second = committed(session, 2), committed(session, 1)
        assert relay.committed(session, OutboxMessage, second) == 0
        assert relay.committed(session, OutboxMessage, first) == 0
        assert published == []
        assert relay.publish_handed() == 3
    assert published == [[1, 2, 3]]
    assert states(engine) == {1: (True, False), 2: (True, False), 3: (True, False)}


def test_events_a_broker_failure_kept_from_going_out_stay_claimed_for_the_timer_and_nothing_raises(engine):
    relay = worker_relay(Mock(side_effect=ConnectionResetError("connection reset by peer")))
    with Session(engine, expire_on_commit=False) as session:
        relay.committed(session, OutboxMessage, committed(session, 2))
        assert relay.publish_handed() == 0
        assert session.in_transaction() is False
    assert states(engine) == {1: (False, True), 2: (False, True)}  # the timer's once the lease runs out


def test_events_whose_lease_the_workers_later_work_outlasted_are_left_to_the_timer_not_sent_twice(engine):
    published = []
    relay = worker_relay(confirming(published))
    with Session(engine, expire_on_commit=False) as session:
        on_time = committed(session, 1)
        outlasted = [stage(session, OutboxMessage, make_birth_envelope(), utc_now() - timedelta(seconds=1))]
        session.commit()
        relay.committed(session, OutboxMessage, on_time + outlasted)
        assert relay.publish_handed() == 1
    assert published == [[1]]
    assert states(engine) == {1: (True, False), 2: (False, True)}  # 2: the timer claims it (or did)


def test_what_the_worker_left_uncommitted_is_rolled_back_not_committed_by_the_settle(engine):
    relay = worker_relay(confirming([]))
    with Session(engine, expire_on_commit=False) as session:
        relay.committed(session, OutboxMessage, committed(session, 1))
        session.execute(text("INSERT INTO outbox_messages (event_id, event_type, envelope) "
                             "VALUES ('left-open', 'x', '{}')"))
        assert relay.publish_handed() == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_the_provider_publishes_a_workers_events_in_its_worker_result_and_then_forgets_the_worker(engine):
    container = Mock(service_name="registry", config={"AMQP_URI": "memory://"})
    provider = OutboxRelay().bind(container, "relay")
    provider.setup()
    published = []
    provider.link = Mock(publish=lambda claimed, window: confirming(published)(claimed))
    worker = Mock()
    relay = provider.get_dependency(worker)
    with Session(engine, expire_on_commit=False) as session:
        relay.committed(session, OutboxMessage, committed(session, 2))
        assert published == []
        provider.worker_result(worker)
    provider.worker_teardown(worker)
    assert (published, provider.relays) == ([[1, 2]], {})
    assert states(engine) == {1: (True, False), 2: (True, False)}
