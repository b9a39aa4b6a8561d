"""What every service serves to operations: ``/healthz``, ``/livez``, Prometheus ``/metrics``, a prompt stop.

``/healthz`` (readiness) answers 503 while the service's queue consumers start, and while one of them
reconnects to the broker (a lost node, a dropped connection): nothing it consumes is applied then.
``/livez`` (liveness) answers 503 only once a consumer has been reconnecting for longer than
``CONSUMER_STALL_SECONDS`` (default 300): a broker that is down for a minute is no reason to restart
every replica, a consumer stuck for five is one (a restart starts it afresh).

Services inherit ``operations.OperationsEndpoints`` (imported by module, so ``nameko run`` does not
mistake the base for a service of its own); nameko collects entrypoints and dependency providers
from base classes too, so the two paths and their behaviour are defined once.
"""

from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.web.handlers import http

from shared.plumbing.config_keys import CONSUMER_STALL_SECONDS_KEY
from shared.plumbing.entrypoints import PromptQueueConsumer
from shared.plumbing.lifecycle import PromptShutdown
from shared.plumbing.metrics import metrics_text, service_metrics
from shared.plumbing.queue_depth import QueueDepths


class Readiness(DependencyProvider):
    """Whether every queue consumer of the service consumes: nameko serves HTTP before its
    consumers have declared their queues (a sector declares ~20), and a service stopped in that
    gap, or sent an event it has no queue for yet, is not one that is up; nor is one whose consumer
    is reconnecting. Also sets ``ecd_queue_consumer_connected`` as it is scraped."""

    def setup(self) -> None:
        name = self.container.service_name
        self.stall_seconds = float(self.container.config.get(CONSUMER_STALL_SECONDS_KEY) or 300)
        service_metrics(name).consumer_connected.labels().set_function(lambda: float(self.connected()))

    def stop(self) -> None:
        """The series goes with the service: its function reads this container, gone once stopped
        (a test process hosting several containers would fail every later scrape)."""
        service_metrics(self.container.service_name).consumer_connected.remove()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx) -> "Readiness":
        return self

    def consumers(self) -> list[QueueConsumer]:
        return [extension for extension in self.container.extensions if isinstance(extension, QueueConsumer)]

    def started(self) -> bool:
        return all(consumer._consumers_ready.ready() for consumer in self.consumers())

    def ready(self) -> bool:
        return self.started() and self.connected()

    def connected(self) -> bool:
        return self.seconds_cut_off() == 0

    def seconds_cut_off(self) -> float:
        return max((consumer.seconds_cut_off() for consumer in self.consumers()
                    if isinstance(consumer, PromptQueueConsumer)), default=0.0)

    def stalled(self) -> bool:
        return self.seconds_cut_off() > self.stall_seconds


class OperationsEndpoints:
    lifecycle = PromptShutdown()
    readiness = Readiness()
    queue_depths = QueueDepths()

    @http("GET", "/metrics")
    def get_metrics(self, request) -> tuple:
        return metrics_text()

    @http("GET", "/healthz")
    def get_healthz(self, request) -> str | tuple:
        if self.readiness.ready():
            return "ok"
        cut_off = self.readiness.seconds_cut_off()
        if cut_off and self.readiness.started():
            return 503, f"reconnecting to the broker for {cut_off:.0f} s: queue consumers not consuming"
        return 503, "starting: queue consumers not ready yet"

    @http("GET", "/livez")
    def get_livez(self, request) -> str | tuple:
        if self.readiness.stalled():
            return 503, (f"queue consumers reconnecting for {self.readiness.seconds_cut_off():.0f} s, over "
                         f"{CONSUMER_STALL_SECONDS_KEY}={self.readiness.stall_seconds:.0f}")
        return "ok"
