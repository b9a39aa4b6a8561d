"""The outbox relay on the embedded SQLite: rows claimed with a lease, published with no transaction
open, then settled; and a process's second SQLite writer waits for the first without stopping it."""

from datetime import timedelta
from unittest.mock import Mock

import eventlet
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.registry.orm import OutboxMessage
from shared.plumbing.confirms import Outcome
from shared.plumbing.outbox import Relay, claim, stage
from shared.rules.clock import utc_now
from tests.support.factories import make_birth_envelope

LEASE = timedelta(seconds=10)


@pytest.fixture
def engine(registry_engine):
    return registry_engine


def staged(engine, count: int, claimed_until=None) -> list[int]:
    with Session(engine, expire_on_commit=False) as session:
        rows = [stage(session, OutboxMessage, make_birth_envelope(), claimed_until) for _ in range(count)]
        session.commit()
        return [row.position for row in rows]


def states(engine) -> dict[int, tuple[bool, bool]]:
    """position -> (sent, claimed)"""
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxMessage.position, OutboxMessage.sent_at,
                                   OutboxMessage.claimed_until))
        return {position: (sent is not None, claimed is not None) for position, sent, claimed in rows}


def a_relay(publish) -> Relay:
    """A relay whose broker answers with ``publish(claimed) -> Outcome``."""
    return Relay(Mock(publish=publish, batch=500, lease=LEASE, unrouted_retry=timedelta(seconds=5)))


def test_the_relay_publishes_with_no_transaction_open_then_marks_the_rows_sent(engine):
    staged(engine, 2)
    open_while_publishing = []

    def publish(claimed):
        open_while_publishing.append(session.in_transaction())
        return Outcome(sent=[position for position, _ in claimed])

    with Session(engine) as session:
        assert a_relay(publish).relay(session, OutboxMessage) == 2
    assert open_while_publishing == [False]
    assert states(engine) == {1: (True, False), 2: (True, False)}


def test_a_row_the_broker_would_not_route_waits_a_little_for_the_timer_and_the_rest_go_on(engine):
    staged(engine, 3)
    with Session(engine) as session:
        assert a_relay(lambda claimed: Outcome(sent=[2, 3], unrouted=[1])).relay(session, OutboxMessage) == 2
        assert claim(session, OutboxMessage, 500, LEASE) == []  # held back: it cannot fill every tick
    assert states(engine) == {1: (False, True), 2: (True, False), 3: (True, False)}


def test_a_broker_that_goes_away_leaves_the_rest_unsent_and_unclaimed(engine):
    staged(engine, 3)
    with Session(engine) as session:
        assert a_relay(lambda claimed: Outcome(sent=[1], unsent=[2, 3])).relay(session, OutboxMessage) == 1
    assert states(engine) == {1: (True, False), 2: (False, False), 3: (False, False)}


def test_the_timer_leaves_a_row_its_writer_holds_until_the_lease_runs_out(engine):
    [held] = staged(engine, 1, claimed_until=utc_now() + LEASE)
    [expired] = staged(engine, 1, claimed_until=utc_now() - timedelta(seconds=1))
    [free] = staged(engine, 1)
    with Session(engine) as session:
        assert [p for p, _ in claim(session, OutboxMessage, 500, LEASE)] == [expired, free]
    assert held == 1


def test_two_relays_never_claim_the_same_row(engine):
    staged(engine, 3)
    with Session(engine) as first, Session(engine) as second:
        taken = [p for p, _ in claim(first, OutboxMessage, 2, LEASE)]
        taken_later = [p for p, _ in claim(second, OutboxMessage, 500, LEASE)]
    assert (taken, taken_later) == ([1, 2], [3])


def test_a_second_writer_waits_for_the_first_without_stopping_the_process(engine):
    first_may_commit, order = eventlet.event.Event(), []

    def first_writer():
        with Session(engine) as session:
            session.execute(text("INSERT INTO outbox_messages (event_id, event_type, envelope) "
                                 "VALUES ('a', 'x', '{}')"))
            order.append("first wrote")
            first_may_commit.wait()  # a green switch while holding the write lock
            session.commit()
            order.append("first committed")

    def second_writer():
        with Session(engine) as session:
            session.execute(text("INSERT INTO outbox_messages (event_id, event_type, envelope) "
                                 "VALUES ('b', 'x', '{}')"))
            session.commit()
            order.append("second committed")

    first = eventlet.spawn(first_writer)
    eventlet.sleep(0)  # let it take the lock
    second = eventlet.spawn(second_writer)
    eventlet.sleep(0)  # the second now waits: in SQLite's busy handler this froze us for 10 s
    order.append("process still running")
    first_may_commit.send()
    first.wait()
    second.wait()
    assert order == ["first wrote", "process still running", "first committed", "second committed"]


def test_a_relay_whose_lease_ran_out_leaves_the_row_to_the_relay_that_claimed_it_since(engine):
    staged(engine, 1)
    second_lease = []

    def publish_too_late(claimed):  # meanwhile the lease ran out and another relay took the row
        with Session(engine) as other:
            second_lease.append(claim(other, OutboxMessage, 500, LEASE, now=utc_now() + 2 * LEASE))
        return Outcome(unsent=[position for position, _ in claimed])

    with Session(engine) as session:
        assert a_relay(publish_too_late).relay(session, OutboxMessage) == 0
        assert [p for p, _ in second_lease[0]] == [1]
        held_by_second = session.scalar(select(OutboxMessage.claimed_until))
    assert held_by_second is not None  # not released: a third relay would publish it again
    assert states(engine) == {1: (False, True)}


def test_a_relay_releases_what_it_still_holds_when_the_broker_went_away(engine):
    staged(engine, 2)
    with Session(engine) as session:
        a_relay(lambda claimed: Outcome(unrouted=[1], unsent=[2])).relay(session, OutboxMessage)
    assert states(engine) == {1: (False, True), 2: (False, False)}
