"""What every service serves to operations: ``/healthz``, Prometheus ``/metrics``, a prompt stop.

Services inherit ``operations.OperationsEndpoints`` (imported by module, so ``nameko run`` does not
mistake the base for a service of its own); nameko collects entrypoints and dependency providers
from base classes too, so the two paths and their behaviour are defined once.
"""

from collections.abc import Callable

from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.web.handlers import http

from shared.plumbing.lifecycle import PromptShutdown
from shared.plumbing.metrics import metrics_text
from shared.plumbing.queue_depth import QueueDepths


class Readiness(DependencyProvider):
    """Whether every queue consumer of the service consumes already: nameko serves HTTP before
    its consumers have declared their queues (a sector declares ~20), and a service stopped in
    that gap, or sent an event it has no queue for yet, is not one that is up."""

    def get_dependency(self, worker_ctx) -> Callable[[], bool]:
        return self.ready

    def ready(self) -> bool:
        return all(extension._consumers_ready.ready() for extension in self.container.extensions
                   if isinstance(extension, QueueConsumer))


class OperationsEndpoints:
    lifecycle = PromptShutdown()
    readiness = Readiness()
    queue_depths = QueueDepths()

    @http("GET", "/metrics")
    def get_metrics(self, request) -> tuple:
        return metrics_text()

    @http("GET", "/healthz")
    def get_healthz(self, request) -> str | tuple:
        return "ok" if self.readiness() else (503, "starting: queue consumers not ready yet")
