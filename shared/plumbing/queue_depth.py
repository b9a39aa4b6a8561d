"""How many messages wait in each queue a service consumes: ``ecd_queue_messages{service,queue}``.

A consumer that falls behind, or stops, leaves its messages in the broker, where no metric of the
service itself would see them. ``QueueDepths`` reads them from the broker instead: every
``QUEUE_DEPTH_INTERVAL`` seconds (default 15; 0 switches it off) one connection passively declares
each of the service's event handler queues and its ``<service>.dead-letter`` queue and sets the gauge
to the queue's ready-message count. A passive declare creates nothing, needs no permission the
service lacks, and costs the broker one lookup per queue; the labels are the queues the code declares
(tens per service, fixed by the code), never anything a message carries. A queue that does not exist
(yet) holds nothing: 0.
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


class QueueDepths(DependencyProvider):
    """Measure the service's queues on a managed thread of its own (nothing is injected)."""

    def setup(self) -> None:
        config = self.container.config
        self.amqp_uri = config[AMQP_URI_KEY]
        configured = config.get(QUEUE_DEPTH_INTERVAL_KEY)
        self.interval = QUEUE_DEPTH_INTERVAL if configured in (None, "") else float(configured)
        self.metrics = service_metrics(self.container.service_name)
        self.stopping = Event()

    def start(self) -> None:
        if self.interval > 0 and self.queue_names():
            self.container.spawn_managed_thread(self.watch)

    def stop(self) -> None:
        if not self.stopping.ready():
            self.stopping.send(True)

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
            try:
                self.measure()
            except Exception as error:  # the broker is away, or refused: the next tick tries again
                _log.warning("could not read queue depths: %s", error)

    def measure(self) -> dict[str, int]:
        depths = {}
        with Connection(self.amqp_uri, connect_timeout=5) as conn:
            channel = conn.channel()
            for name in self.queue_names():
                try:
                    depths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except NotFound:  # not declared (yet): it holds nothing; the broker closed the channel
                    depths[name] = 0
                    channel = conn.channel()
        for name, count in depths.items():
            self.metrics.queue_messages.labels(name).set(count)
        return depths
