"""The health service's entrypoints. Only health and metrics endpoints so far.

The sector's RPCs and events arrive in their own issues; the service already runs, is probed and
scraped like the others, so deployment and monitoring do not change when they land.
"""

from nameko.web.handlers import http

from shared.lifecycle import PromptShutdown
from shared.metrics import metrics_text, service_metrics

service_metrics("health")  # the standard series exist (at zero) from the first scrape


class HealthService:
    name = "health"

    lifecycle = PromptShutdown()

    @http("GET", "/metrics")
    def get_metrics(self, request) -> tuple:
        return metrics_text()

    @http("GET", "/healthz")
    def get_healthz(self, request) -> str:
        return "ok"
