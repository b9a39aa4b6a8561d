"""Events no consumer can read go to the dead-letter queue, never applied wrongly, never lost."""

import json

from kombu import Connection, Consumer, Exchange, Queue
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import text

from shared.plumbing.consumer import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    QUEUE_HEADER,
    dead_letter_queue,
    with_retry_binding,
)
from shared.plumbing.queue_types import DELIVERY_LIMIT
from tests.support.factories import make_birth, make_birth_envelope
from tests.support.hooks import call
from tools.dead_letters import list_dead_letters, replay_dead_letters

BIRTH_QUEUE = "evt-registry-birth_registered--reporting.handle_registry_birth_registered"


def next_dead_letter(amqp_uri: str, queue_type: str = "classic", keep: bool = False):
    """The next parked message, raw (its body may not even be JSON); waits on the broker. ``keep``
    puts it back."""
    received = []
    with Connection(amqp_uri) as conn:
        queue = dead_letter_queue("reporting", queue_type)
        with Consumer(conn.channel(), queues=[queue], on_message=received.append, prefetch_count=1):
            conn.drain_events(timeout=10)
        received[0].reject(requeue=True) if keep else received[0].ack()
    return received[0]


def test_an_envelope_of_another_version_is_dead_lettered_not_read_as_version_1(reporting_container):
    assert_retried_then_dead_lettered(reporting_container, "classic")


def test_on_quorum_queues_an_event_is_retried_and_dead_lettered_alike(container_factory, service_config):
    """The retry queue's messages expire and dead-letter (at least once) back into the quorum handler
    queue, and the third failure lands in the quorum dead-letter queue."""
    from services.reporting.service import ReportingService

    reporting = container_factory(ReportingService, service_config("reporting", EVENT_RETRY_LIMIT=2,
                                                                   QUEUE_TYPE="quorum"))
    reporting.start()
    assert_retried_then_dead_lettered(reporting, "quorum")


def assert_retried_then_dead_lettered(reporting_container, queue_type: str) -> None:
    config = reporting_container.config
    newer = dict(make_birth_envelope(), schema_version=2)
    attempts = []
    with entrypoint_waiter(reporting_container, "handle_registry_birth_registered",
                           callback=lambda *_: attempts.append(1) or len(attempts) == 3):
        event_dispatcher(config)("registry", "birth_registered", newer)
    message = next_dead_letter(config["AMQP_URI"], queue_type)
    assert (json.loads(message.body)["event_id"], message.headers[ATTEMPTS_HEADER]) == (
        newer["event_id"], 3)
    assert "schema_version: Envelope version 2 is not read here" in message.headers[ERROR_HEADER]
    assert call(reporting_container, "view_stats") == {
        "children": 0, "registered": 0, "processed_events": 0}


def test_a_body_that_is_not_json_is_dead_lettered_not_acked_and_dropped(reporting_container):
    config = reporting_container.config
    with Connection(config["AMQP_URI"]) as conn:
        producer = conn.Producer()
        producer.publish(b"{not json", exchange=Exchange("registry.events", type="topic"),
                         routing_key="birth_registered", content_type="application/json",
                         content_encoding="utf-8", delivery_mode=2)
    message = next_dead_letter(config["AMQP_URI"])
    body = message.body.encode() if isinstance(message.body, str) else message.body
    assert body == b"{not json"
    assert (message.headers[ATTEMPTS_HEADER], message.headers[QUEUE_HEADER]) == (1, BIRTH_QUEUE)
    assert message.headers[ERROR_HEADER] == ("kombu.exceptions.DecodeError: Expecting property name "
                                             "enclosed in double quotes: line 1 column 2 (char 1)")
    assert call(reporting_container, "view_stats")["processed_events"] == 0


def test_catch_up_dead_letters_a_log_entry_it_can_never_apply_and_reads_on(
        registry_container, container_factory, service_config, registry_db):
    from services.reporting.service import ReportingService

    for _ in range(2):
        call(registry_container, "register_birth", make_birth())
    registry_db.execute(text(  # a producer bug: an event with a field the contract does not have
        "UPDATE outbox_messages SET envelope = jsonb_set(envelope::jsonb, '{payload,nickname}', "
        "'\"Bống\"')::json WHERE position = 1"))
    registry_db.commit()
    reporting = container_factory(ReportingService, service_config("reporting"))
    reporting.start()
    assert call(reporting, "catch_up")["registry"] == {
        "source": "registry", "read": 2, "applied": 1, "position": 2}
    message = next_dead_letter(registry_container.config["AMQP_URI"])
    assert (json.loads(message.body)["payload"]["nickname"], message.headers[QUEUE_HEADER]) == (
        "Bống", BIRTH_QUEUE)
    assert "payload.nickname: Unknown field." in message.headers[ERROR_HEADER]
    assert call(reporting, "catch_up")["registry"]["read"] == 0


def test_on_quorum_a_message_taken_to_the_delivery_limit_and_never_finished_is_parked_then_replayed(
        clean_infra):
    """A message that kills every consumer taking it: RabbitMQ 4 would drop it at its own limit; the
    platform's handler queue parks it in the dead-letter queue, where the tool names its queue and why."""
    amqp_uri = clean_infra.amqp_uri
    handler = with_retry_binding(Queue(BIRTH_QUEUE, exchange=Exchange("registry.events", type="topic"),
                                       routing_key="birth_registered"), "reporting", "quorum")
    body = json.dumps(make_birth_envelope())
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        dead_letter_queue("reporting", "quorum")(channel).declare()
        conn.Producer().publish(body, exchange=Exchange("registry.events", type="topic"),
                                routing_key="birth_registered", declare=[handler],
                                content_type="application/json", delivery_mode=2)
        for _ in range(DELIVERY_LIMIT + 1):  # each taken, then given back unfinished (as a killed consumer)
            handler(channel).get(no_ack=False).reject(requeue=True)
        assert handler(channel).get(no_ack=False) is None
    next_dead_letter(amqp_uri, "quorum", keep=True)  # the broker dead-letters it asynchronously
    (parked,) = list_dead_letters(amqp_uri, "reporting", "classic")  # passive: whatever QUEUE_TYPE says
    assert parked == {"event_type": "birth_registered", "event_id": json.loads(body)["event_id"],
                      "attempts": None, "queue": BIRTH_QUEUE,
                      "error": f"taken {DELIVERY_LIMIT} times and never finished: each consumer gave it back "
                               "unfinished (restarts, a scale-in, a retry the broker refused, or a message "
                               "that kills its process); read the service's log before replaying"}
    assert replay_dead_letters(amqp_uri, "reporting", "quorum") == 1
    with Connection(amqp_uri) as conn:
        replayed = handler(conn.channel()).get(no_ack=True)
        assert (replayed.body, {k for k in replayed.headers if k.startswith("x-death")}) == (body, set())
