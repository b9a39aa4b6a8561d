"""Prometheus metrics every service exposes, named ``<service>_<noun>_<verb>_total``.

``service_metrics(name)`` returns the one set of collectors for a service (cached, so a process that
hosts several services in tests registers each name once). ``RpcMetrics`` is a dependency provider
that times every RPC worker and counts it by method and outcome without any code in the entrypoint.
Labels are low-cardinality: method, outcome, event type. Never a child id.
"""

import time
from dataclasses import dataclass
from functools import cache

from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from shared.exceptions import PlatformError


@dataclass(frozen=True)
class ServiceMetrics:
    rpc_calls: Counter
    rpc_latency: Histogram
    events_published: Counter
    events_consumed: Counter
    outbox_backlog: Gauge
    batch_size: Histogram


@cache
def service_metrics(service: str) -> ServiceMetrics:
    return ServiceMetrics(
        rpc_calls=Counter(f"{service}_rpc_calls_total", "RPC calls by method and outcome.",
                          ["method", "outcome"]),
        rpc_latency=Histogram(f"{service}_rpc_latency_seconds", "RPC latency by method.", ["method"],
                              buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                       2.5, 5)),
        events_published=Counter(f"{service}_events_published_total",
                                 "Events confirmed by the broker, by type.", ["event_type"]),
        events_consumed=Counter(f"{service}_events_consumed_total",
                                "Events consumed by type and outcome (applied, duplicate, retried, "
                                "dead_lettered).", ["event_type", "outcome"]),
        outbox_backlog=Gauge(f"{service}_outbox_backlog", "Outbox messages not yet published."),
        batch_size=Histogram(f"{service}_batch_size", "Events applied per transaction (a batch).",
                             buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)),
    )


def metrics_text() -> tuple[int, dict[str, str], str]:
    """Body for nameko's ``@http`` (a str: nameko rejects bytes)."""
    return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest().decode()


def rpc_outcome(exc_info) -> str:
    if exc_info is None:
        return "ok"
    return type(exc_info[1]).__name__ if isinstance(exc_info[1], PlatformError) else "error"


class RpcMetrics(DependencyProvider):
    """Count and time every RPC worker of the service."""

    def setup(self) -> None:
        self.metrics = service_metrics(self.container.service_name)
        self.started: dict = {}

    def worker_setup(self, worker_ctx) -> None:
        if isinstance(worker_ctx.entrypoint, Rpc):
            self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        method = worker_ctx.entrypoint.method_name
        self.metrics.rpc_latency.labels(method).observe(time.perf_counter() - started)
        self.metrics.rpc_calls.labels(method, rpc_outcome(exc_info)).inc()
