"""The outbox relay on the real RabbitMQ and PostgreSQL, publishing a window at a time: a thousand
staged events go out once each and are all marked sent; an event no queue takes stays in the outbox
while the rest of its window is sent; a connection cut mid-window leaves what the broker did not
confirm unsent, and the next tick of the timer publishes it."""

import json
import socket
from collections import Counter
from unittest.mock import Mock

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from services.registry.orm import OutboxMessage, RegistryBase
from shared.plumbing.confirms import open_confirm_channel
from shared.plumbing.outbox import OutboxRelay, Relay, stage
from tests.support.factories import make_birth_envelope

BIRTHS = Queue("test-relay-births", Exchange("registry.events", type="topic", durable=True),
               routing_key="birth_registered", durable=True)


@pytest.fixture
def registry_engine(clean_infra):
    engine = create_engine(clean_infra.db_url("registry"))
    RegistryBase.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def births_queue(clean_infra):
    """A consumer's queue for ``birth_registered``, bound before anything is published."""
    with Connection(clean_infra.amqp_uri) as conn:
        BIRTHS(conn.channel()).declare()
        yield conn
        BIRTHS(conn.channel()).delete()


@pytest.fixture
def provider(clean_infra):
    container = Mock(service_name="registry", config={
        "AMQP_URI": clean_infra.amqp_uri, "OUTBOX_RELAY_BATCH": 1000, "OUTBOX_CONFIRM_WINDOW": 200})
    relay = OutboxRelay().bind(container, "relay")
    relay.setup()
    yield relay
    relay.stop()


def staged(engine, envelopes: list[dict]) -> list[int]:
    with Session(engine, expire_on_commit=False) as session:
        rows = [stage(session, OutboxMessage, envelope) for envelope in envelopes]
        session.commit()
        return [row.position for row in rows]


def relay_once(engine, provider) -> int:
    with Session(engine) as session:
        return Relay(provider).relay(session, OutboxMessage)


def unsent(engine) -> dict[int, bool]:
    """position -> claimed, for each row not marked sent"""
    with Session(engine) as session:
        rows = session.execute(select(OutboxMessage.position, OutboxMessage.claimed_until)
                               .where(OutboxMessage.sent_at.is_(None)))
        return {position: claimed is not None for position, claimed in rows}


def received(conn) -> list:
    messages = []
    while (message := BIRTHS(conn.channel()).get(no_ack=True)) is not None:
        messages.append(message)
    return messages


def event_ids(messages) -> Counter:
    return Counter(json.loads(message.body)["event_id"] for message in messages)


def test_a_thousand_staged_events_are_each_published_once_and_all_marked_sent(registry_engine, births_queue,
                                                                             provider):
    envelopes = [make_birth_envelope() for _ in range(1000)]
    staged(registry_engine, envelopes)
    assert relay_once(registry_engine, provider) == 1000
    assert unsent(registry_engine) == {}
    messages = received(births_queue)
    assert event_ids(messages) == Counter(envelope["event_id"] for envelope in envelopes)
    first = messages[0]
    assert (json.loads(first.body), first.content_type, first.content_encoding, first.headers,
            first.properties["delivery_mode"], first.delivery_info["exchange"],
            first.delivery_info["routing_key"]) == (
        envelopes[0], "application/json", "utf-8", {}, 2, "registry.events", "birth_registered")


def test_an_event_no_queue_takes_stays_unsent_while_the_rest_of_its_window_is_sent(registry_engine,
                                                                                 births_queue, provider):
    births = [make_birth_envelope() for _ in range(4)]
    nobody_listens = dict(make_birth_envelope(), event_type="child_adopted_abroad")
    positions = staged(registry_engine, [*births[:2], nobody_listens, *births[2:]])
    assert relay_once(registry_engine, provider) == 4
    assert unsent(registry_engine) == {positions[2]: True}  # held back a few seconds, then tried again
    assert event_ids(received(births_queue)) == Counter(envelope["event_id"] for envelope in births)


class CutConnection:
    """Opens the relay's connection as it would be opened, and cuts it (the socket, as a dead
    network would) just before the ``at``-th message of all it publishes."""

    def __init__(self, at: int) -> None:
        self.countdown = at

    def __call__(self, amqp_uri: str, exchange: Exchange):
        connection, channel, producer = open_confirm_channel(amqp_uri, exchange)
        publish = producer.publish

        def publish_or_cut(*args, **kwargs):
            self.countdown -= 1
            if self.countdown == 0:
                connection.connection.sock.shutdown(socket.SHUT_RDWR)
            return publish(*args, **kwargs)

        producer.publish = publish_or_cut
        return connection, channel, producer


def test_a_connection_cut_mid_window_leaves_the_unconfirmed_rows_unsent_and_the_next_tick_sends_them(
        registry_engine, births_queue, provider):
    envelopes = [make_birth_envelope() for _ in range(400)]
    positions = staged(registry_engine, envelopes)
    provider.link.opener = CutConnection(at=251)  # the first window (200) is confirmed, the second cut
    confirmed = relay_once(registry_engine, provider)
    # the second window's acks read before the cut count: none, some, or all 50 of those published
    assert 200 <= confirmed <= 250
    assert unsent(registry_engine) == {position: False for position in positions[confirmed:]}  # released
    assert relay_once(registry_engine, provider) == 400 - confirmed  # the next tick, on a new connection
    assert unsent(registry_engine) == {}
    seen = event_ids(received(births_queue))
    assert set(seen) == {envelope["event_id"] for envelope in envelopes}
    assert sum(seen.values()) <= 450  # at most those published before the cut twice
