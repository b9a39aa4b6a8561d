"""A nameko event handler that never drops a message its handler failed on.

nameko's ``event_handler`` acks and forgets a message whose handler raised, and its
``requeue_on_error`` redelivers in a hot loop. ``reliable_handler`` instead republishes the failed
message (with publisher confirms) to ``<queue>.retry``, a queue whose messages expire after a delay
and dead-letter back into the handler's queue; after ``EVENT_RETRY_LIMIT`` attempts the message goes
to ``<service>.dead-letter`` for an operator, with the error in its headers. The original delivery
is acked only after that republish is confirmed. Handlers must be idempotent (they are: see the
reporting service's processed-events table), because a delivery can always be repeated.
"""

import logging
import traceback

from kombu import Connection, Queue
from nameko.events import EventHandler

from shared.config_keys import AMQP_URI_KEY, EVENT_RETRY_DELAY_MS_KEY, EVENT_RETRY_LIMIT_KEY
from shared.metrics import service_metrics

_log = logging.getLogger(__name__)
ATTEMPTS_HEADER = "x-ecd-attempts"
ERROR_HEADER = "x-ecd-error"
QUEUE_HEADER = "x-ecd-queue"  # the handler queue a dead letter came from, for replay


def handler_queue_name(source: str, event_type: str, service: str, method: str) -> str:
    """The queue nameko gives a SERVICE_POOL event handler."""
    return f"evt-{source}-{event_type}--{service}.{method}"


def dead_letter_queue_name(service: str) -> str:
    return f"{service}.dead-letter"


def retry_queue(queue_name: str) -> Queue:
    return Queue(f"{queue_name}.retry", durable=True, queue_arguments={
        "x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue_name})


class ReliableEventHandler(EventHandler):
    def setup(self) -> None:
        super().setup()
        config = self.container.config
        self.amqp_uri = config[AMQP_URI_KEY]
        self.retry_limit = int(config.get(EVENT_RETRY_LIMIT_KEY, 5))
        self.retry_delay_ms = int(config.get(EVENT_RETRY_DELAY_MS_KEY, 2000))
        self.retry_queue = retry_queue(self.queue.name)
        self.dead_letter_queue = Queue(dead_letter_queue_name(self.container.service_name),
                                       durable=True)
        self.metrics = service_metrics(self.container.service_name)

    def handle_message_processed(self, message, result=None, exc_info=None) -> None:
        if exc_info is not None:
            try:
                self._park(message, exc_info)
            except Exception:  # could not park it: leave it unacked, the broker redelivers later
                _log.exception("could not park failed message; requeueing")
                self.queue_consumer.requeue_message(message)
                return
        self.queue_consumer.ack_message(message)

    def _park(self, message, exc_info) -> None:
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()[:1000]
        headers = dict(message.headers or {}, **{ATTEMPTS_HEADER: attempts, ERROR_HEADER: error,
                                                  QUEUE_HEADER: self.queue.name})
        exhausted = attempts > self.retry_limit
        queue = self.dead_letter_queue if exhausted else self.retry_queue
        options = {} if exhausted else {"expiration": self.retry_delay_ms * attempts / 1000}
        # A connection of its own, not the shared producer pool: failures are rare, and a pooled
        # connection left mid-confirm by a killed worker must not decide where a message goes.
        with Connection(self.amqp_uri, transport_options={"confirm_publish": True}) as conn:
            conn.Producer().publish(message.body, exchange="", routing_key=queue.name,
                                    declare=[queue], headers=headers,
                                    content_type=message.content_type,
                                    content_encoding=message.content_encoding, delivery_mode=2,
                                    **options)
        outcome = "dead_lettered" if exhausted else "retried"
        self.metrics.events_consumed.labels(self.event_type, outcome).inc()
        _log.warning("event %s %s after attempt %s: %s", self.event_type, outcome, attempts, error)


reliable_handler = ReliableEventHandler.decorator
