"""What every service serves to operations: ``/healthz``, Prometheus ``/metrics``, a prompt stop.

Services inherit ``operations.OperationsEndpoints`` (imported by module, so ``nameko run`` does not
mistake the base for a service of its own); nameko collects entrypoints and dependency providers
from base classes too, so the two paths and their behaviour are defined once.
"""

from nameko.web.handlers import http

from shared.plumbing.lifecycle import PromptShutdown
from shared.plumbing.metrics import metrics_text


class OperationsEndpoints:
    lifecycle = PromptShutdown()

    @http("GET", "/metrics")
    def get_metrics(self, request) -> tuple:
        return metrics_text()

    @http("GET", "/healthz")
    def get_healthz(self, request) -> str:
        return "ok"
