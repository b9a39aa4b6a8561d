"""A nameko event handler that never drops a message, and the dead-letter queue behind it.

nameko's ``event_handler`` acks and forgets a message whose handler raised, and its
``requeue_on_error`` redelivers in a hot loop. ``reliable_handler`` instead republishes the failed
message (with publisher confirms) to ``<queue>.retry``, a queue whose messages expire after a delay
and dead-letter back into the handler's queue; after ``EVENT_RETRY_LIMIT`` attempts the message goes
to ``<service>.dead-letter`` for an operator, with the error in its headers. All three queues are
bound to the service's own direct exchange ``<service>.retry`` (routing key = queue name), and every
republish goes through it: never through the default exchange, which delivers into any queue by name
and so is writable by an administrator only (see ``tools/access``). A body that cannot even
be decoded (not JSON) goes to the dead-letter queue at once: no retry can mend it. The original
delivery is acked only after that republish is confirmed. Handlers must be idempotent (reporting's
are: see its processed-events table), because a delivery can always be repeated. All of these queues
take their arguments from ``shared.plumbing.queue_types`` (``QUEUE_TYPE``: classic or quorum), and
the retry and dead-letter queues are declared when the handlers start consuming, so a queue of the
wrong type stops the service at start.
"""

import logging
import traceback
from functools import partial
from typing import Any

from kombu import Connection, Exchange, Queue, binding
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer

from shared.plumbing.config_keys import (
    AMQP_URI_KEY,
    EVENT_PREFETCH_KEY,
    EVENT_RETRY_DELAY_MS_KEY,
    EVENT_RETRY_LIMIT_KEY,
)
from shared.plumbing.entrypoints import PromptQueueConsumer
from shared.plumbing.metrics import CONSUMED_OUTCOMES, service_metrics
from shared.plumbing.queue_types import configured_queue_type, handler_queue_arguments, queue_arguments

_log = logging.getLogger(__name__)
ATTEMPTS_HEADER = "x-ecd-attempts"
ERROR_HEADER = "x-ecd-error"
QUEUE_HEADER = "x-ecd-queue"  # the handler queue a dead letter came from, for replay
ERROR_MAX = 1000
ALREADY_APPLIED = "already applied"  # what a handler returns for an event it had applied before


def consumed_outcome(result: Any) -> str:
    """A handler worker that ended without error: ``duplicate`` if it said the event was there already."""
    return "duplicate" if result == ALREADY_APPLIED else "applied"


def handler_queue_name(source: str, event_type: str, service: str, method: str) -> str:
    """The queue nameko gives a SERVICE_POOL event handler."""
    return f"evt-{source}-{event_type}--{service}.{method}"


def handler_method_name(source: str, event_type: str) -> str:
    return f"handle_{source}_{event_type}"


def dead_letter_queue_name(service: str) -> str:
    return f"{service}.dead-letter"


def retry_exchange_name(service: str) -> str:
    return f"{service}.retry"


def retry_exchange(service: str) -> Exchange:
    """The service's own way back into its queues: retry, dead-letter and handler queues are bound
    to it under their own names."""
    return Exchange(retry_exchange_name(service), type="direct", durable=True)


def retry_queue(queue_name: str, service: str, queue_type: str) -> Queue:
    """Where a failed message waits (it expires) before it dead-letters back into ``queue_name``."""
    exchange = retry_exchange(service)
    return Queue(f"{queue_name}.retry", exchange=exchange, routing_key=f"{queue_name}.retry", durable=True,
                 queue_arguments=queue_arguments(queue_type, dead_letter_to=(exchange.name, queue_name)))


def dead_letter_queue(service: str, queue_type: str) -> Queue:
    name = dead_letter_queue_name(service)
    return Queue(name, exchange=retry_exchange(service), routing_key=name, durable=True,
                 queue_arguments=queue_arguments(queue_type))


def describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:ERROR_MAX]


def publish_confirmed(amqp_uri: str, queue: Queue, body: Any, headers: dict, **options: Any) -> None:
    """Publish to ``queue`` (declared, with its binding) through its exchange, and return once the
    broker confirmed it. A connection of its own, not the shared producer pool: failures are rare,
    and a pooled connection left mid-confirm by a killed worker must not decide where a message goes."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        conn.Producer().publish(body, exchange=queue.exchange, routing_key=queue.routing_key,
                                declare=[queue], headers=headers, delivery_mode=2, **options)


def with_retry_binding(queue: Queue, service: str, queue_type: str) -> Queue:
    """nameko's handler queue, also bound to the service's retry exchange under its own name (where
    its retry queue dead-letters to, and where ``make dead-letters ACTION=replay`` publishes); on
    quorum, parking in the service's dead-letter queue what no consumer ever finished."""
    parked_at = (retry_exchange_name(service), dead_letter_queue_name(service))
    return Queue(queue.name, durable=queue.durable, auto_delete=queue.auto_delete, exclusive=queue.exclusive,
                 bindings=[binding(queue.exchange, routing_key=queue.routing_key),
                           binding(retry_exchange(service), routing_key=queue.name)],
                 queue_arguments=handler_queue_arguments(queue_type, parked_at))


class ParkingQueueConsumer(PromptQueueConsumer):
    """nameko's queue consumer, except that an undecodable body is parked instead of lost, and that
    each queue's prefetch may be set (``EVENT_PREFETCH``; nameko's: ``max_workers``)."""

    @property
    def prefetch_count(self) -> int:
        return int(self.container.config.get(EVENT_PREFETCH_KEY) or self.container.max_workers)

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(provider.park_undecodable, self)
        return consumers

    def declare_companions(self, channel) -> None:
        """Each handler's retry queue and the service's dead-letter queue, before its own queue."""
        queues = {queue.name: queue for provider in self._providers
                  for queue in (provider.retry_queue, provider.dead_letter_queue)}
        for queue in queues.values():
            queue(channel).declare()


class ReliableEventHandler(EventHandler):
    queue_consumer = ParkingQueueConsumer()

    def setup(self) -> None:
        super().setup()
        config = self.container.config
        self.amqp_uri = config[AMQP_URI_KEY]
        self.retry_limit = int(config.get(EVENT_RETRY_LIMIT_KEY, 5))
        self.retry_delay_ms = int(config.get(EVENT_RETRY_DELAY_MS_KEY, 2000))
        service = self.container.service_name
        queue_type = configured_queue_type(config)
        self.queue = with_retry_binding(self.queue, service, queue_type)
        self.retry_queue = retry_queue(self.queue.name, service, queue_type)
        self.dead_letter_queue = dead_letter_queue(service, queue_type)
        self.metrics = service_metrics(self.container.service_name)
        for outcome in CONSUMED_OUTCOMES:  # born at 0: increase() sees the first dead letter too
            self.metrics.events_consumed.labels(self.event_type, outcome)

    def handle_message_processed(self, message, result=None, exc_info=None) -> None:
        """Every handler's outcome is counted here, once: applied (or duplicate) when its worker
        ended without error, retried or dead-lettered when it raised."""
        if exc_info is None:
            self.metrics.events_consumed.labels(self.event_type, consumed_outcome(result)).inc()
        else:
            try:
                self._park(message, exc_info[1])
            except Exception:  # could not park it: leave it unacked, the broker redelivers later
                _log.exception("could not park failed message; requeueing")
                self.queue_consumer.requeue_message(message)
                return
        self.queue_consumer.ack_message(message)

    def park_undecodable(self, queue_consumer: QueueConsumer, message, exc: BaseException) -> None:
        """kombu could not decode the body (not JSON, or a content type we do not accept)."""
        try:
            self._park(message, exc, exhausted=True)
        except Exception:
            _log.exception("could not park an undecodable message; requeueing")
            queue_consumer.requeue_message(message)
            return
        queue_consumer.ack_message(message)

    def _park(self, message, exc: BaseException, exhausted: bool = False) -> None:
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        error = describe(exc)
        headers = dict(message.headers or {}, **{ATTEMPTS_HEADER: attempts, ERROR_HEADER: error,
                                                  QUEUE_HEADER: self.queue.name})
        exhausted = exhausted or attempts > self.retry_limit
        queue = self.dead_letter_queue if exhausted else self.retry_queue
        options = {} if exhausted else {"expiration": self.retry_delay_ms * attempts / 1000}
        publish_confirmed(self.amqp_uri, queue, message.body, headers,
                          content_type=message.content_type,
                          content_encoding=message.content_encoding, **options)
        outcome = "dead_lettered" if exhausted else "retried"
        self.metrics.events_consumed.labels(self.event_type, outcome).inc()
        _log.warning("event %s %s after attempt %s: %s", self.event_type, outcome, attempts, error)


reliable_handler = ReliableEventHandler.decorator


def add_event_handlers(service: type, pairs, apply: str, doc: str) -> None:
    """Give ``service`` one reliable handler ``handle_<source>_<event_type>`` per pair, each passing
    the body to the method named ``apply`` (``doc`` formatted with source and event_type). A pair
    that already has a handler (a sector follows the registry's voids for its copy and for its
    referrals) gets one handler that passes the body to each apply in turn (each idempotent). An apply
    returns ``ALREADY_APPLIED`` when it can tell the event was there before (counted ``duplicate``)."""
    appliers = dict(service.__dict__.get("_event_appliers", {}))
    for source, event_type in pairs:
        name = handler_method_name(source, event_type)
        applies = (*appliers.get(name, ()), apply)
        appliers[name] = applies

        def handle(self, body: dict, applies: tuple[str, ...] = applies) -> str | None:
            results = [getattr(self, each)(body) for each in applies]
            return ALREADY_APPLIED if all(result == ALREADY_APPLIED for result in results) else None

        earlier = service.__dict__.get(name)
        handle.__name__ = handle.__qualname__ = name
        handle.__doc__ = " ".join([*([earlier.__doc__] if earlier is not None else []),
                                   doc.format(source=source, event_type=event_type)])
        setattr(service, name, reliable_handler(source, event_type)(handle))
    service._event_appliers = appliers


class DeadLetters(DependencyProvider):
    """Inject ``park(envelope, error, source, event_type)``: straight to ``<service>.dead-letter``,
    for what a consumer read some other way (catch-up) and no retry will mend."""

    def setup(self) -> None:
        self.amqp_uri = self.container.config[AMQP_URI_KEY]
        self.service = self.container.service_name
        self.dead_letter_queue = dead_letter_queue(self.service, configured_queue_type(self.container.config))
        self.metrics = service_metrics(self.service)

    def get_dependency(self, worker_ctx) -> Any:
        return self.park

    def park(self, envelope: Any, exc: BaseException, source: str, event_type: str) -> None:
        queue = handler_queue_name(source, event_type, self.service,
                                   handler_method_name(source, event_type))
        headers = {ATTEMPTS_HEADER: 1, ERROR_HEADER: describe(exc), QUEUE_HEADER: queue}
        publish_confirmed(self.amqp_uri, self.dead_letter_queue, envelope, headers,
                          serializer="json")
        self.metrics.events_consumed.labels(str(event_type)[:64], "dead_lettered").inc()
        _log.warning("event %s from %s's log dead-lettered: %s", event_type, source, describe(exc))



class RetiredQueues(DependencyProvider):
    """Delete handler queues an earlier version consumed from (renamed since), at start.

    Left alone, such a queue stays bound and fills with every new event for ever. Deleting it may
    drop events it still held; the consumer's catch-up from the producers' logs brings them back
    (applying an event twice is a no-op).
    """

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def start(self) -> None:
        with Connection(self.container.config[AMQP_URI_KEY]) as conn:
            channel = conn.channel()
            for name in self.names:
                channel.queue_delete(name)
            channel.close()
