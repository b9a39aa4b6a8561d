"""How many messages wait in each queue a service consumes: ``ecd_queue_messages{service,queue}``.

A consumer that falls behind, or stops, leaves its messages in the broker, where no metric of the
service itself would see them. ``QueueDepths`` reads them from the broker instead: every
``QUEUE_DEPTH_INTERVAL`` seconds (default 15; 0 switches it off) one connection passively declares
each of the service's event handler queues and its ``<service>.dead-letter`` queue and sets the gauge
to the queue's ready-message count. A passive declare creates nothing, needs no permission the
service lacks, and costs the broker one lookup per queue; the labels are the queues the code declares
(tens per service, fixed by the code), never anything a message carries. A queue that does not exist
(yet) holds nothing: 0. The connection is kept from one read to the next. A read that fails or takes
over ``READ_TIMEOUT`` seconds (a broker that hangs) removes the service's queue series, so nothing
(an alert on a queue's depth) acts on figures of a broker no longer seen; the connection is dropped
and the next tick connects again.
"""

import logging

import eventlet
from amqp.exceptions import NotFound
from eventlet.event import Event
from kombu import Connection
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider

from shared.plumbing.config_keys import AMQP_URI_KEY, QUEUE_DEPTH_INTERVAL_KEY
from shared.plumbing.consumer import DeadLetters, ReliableEventHandler, dead_letter_queue_name
from shared.plumbing.metrics import service_metrics

_log = logging.getLogger(__name__)
QUEUE_DEPTH_INTERVAL = 15
READ_TIMEOUT = 10


class QueueDepths(DependencyProvider):
    """Measure the service's queues on a managed thread of its own (nothing is injected)."""

    def setup(self) -> None:
        config = self.container.config
        self.amqp_uri = config[AMQP_URI_KEY]
        configured = config.get(QUEUE_DEPTH_INTERVAL_KEY)
        self.interval = QUEUE_DEPTH_INTERVAL if configured in (None, "") else float(configured)
        self.metrics = service_metrics(self.container.service_name)
        self.stopping = Event()
        self.read_timeout = READ_TIMEOUT
        self.connection: Connection | None = None

    def start(self) -> None:
        if self.interval > 0 and self.queue_names():
            self.container.spawn_managed_thread(self.watch)

    def stop(self) -> None:
        if not self.stopping.ready():
            self.stopping.send(True)
        self.disconnect(wait=True)

    def kill(self) -> None:
        self.stop()

    def queue_names(self) -> list[str]:
        """The service's event handler queues, and its dead-letter queue if it parks events."""
        names = sorted({entrypoint.queue.name for entrypoint in self.container.entrypoints
                        if isinstance(entrypoint, EventHandler) and getattr(entrypoint, "queue", None)})
        parks = any(isinstance(extension, ReliableEventHandler | DeadLetters)
                    for extension in self.container.extensions)
        return names + ([dead_letter_queue_name(self.container.service_name)] if parks else [])

    def watch(self) -> None:
        while True:
            with eventlet.Timeout(self.interval, False):
                self.stopping.wait()
                return
            self.read()

    def read(self) -> dict[str, int] | None:
        """``measure`` within ``read_timeout``; None, and no queue series, when it failed or hung."""
        try:
            with eventlet.Timeout(self.read_timeout):
                return self.measure()
        except (Exception, eventlet.Timeout) as error:  # the broker is away, refused, or hangs
            _log.warning("could not read queue depths (%s); their series are removed until the next read",
                         error or f"no answer in {self.read_timeout} s")
            for name in self.queue_names():
                self.metrics.queue_messages.remove(name)
            self.disconnect()
            return None

    def measure(self) -> dict[str, int]:
        if self.connection is None:
            self.connection = Connection(self.amqp_uri, connect_timeout=5)
        channel, depths = self.connection.channel(), {}
        for name in self.queue_names():
            try:
                depths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except NotFound:  # not declared (yet): it holds nothing; the broker closed the channel
                depths[name] = 0
                channel = self.connection.channel()
        channel.close()
        for name, count in depths.items():
            self.metrics.queue_messages.labels(name).set(count)
        return depths

    def disconnect(self, wait: bool = False) -> None:
        """Drop the kept connection: closed politely when ``wait`` (for a second at most), else at once,
        without waiting on a broker that may not answer."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        if wait:
            with eventlet.Timeout(1, False):
                connection.release()
                return
        connection.collect()
