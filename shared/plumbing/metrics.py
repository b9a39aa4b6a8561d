"""Prometheus metrics every service exposes: one ``ecd_`` name per concept, the service as a label.

An operator asks one question across the platform (``sum by (service) (rate(ecd_rpc_requests_total
[5m]))``) instead of one per service, so every collector is declared once with a ``service`` label and
``service_metrics(name)`` hands a service its view of them, the ``service`` label already set.
``RpcMetrics`` is a dependency provider that times every RPC worker and counts it by method and
outcome without any code in the entrypoint. Names follow Prometheus' conventions (base units,
``_total`` counters, ``_seconds``); labels are low-cardinality and fixed by the code (method, outcome,
event type, source, queue), never a child id or a commune. The table of what each answers is in the
README ("Operations"); ``promtool check metrics`` lints ``/metrics`` in the tests.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from shared.exceptions import PlatformError

RPC_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
CONSUMED_OUTCOMES = ("applied", "duplicate", "retried", "dead_lettered")
CATCH_UP_OUTCOMES = ("nothing_missing", "applied_from_log", "unreachable")


class ServiceLabelled:
    """A labelled collector with the ``service`` label already given: ``.labels(method, outcome)``."""

    def __init__(self, collector: Any, service: str) -> None:
        self.collector, self.service = collector, service

    def labels(self, *values: str) -> Any:
        return self.collector.labels(self.service, *values)

    def remove(self, *values: str) -> None:
        """Drop the series (it is no longer scraped at all); nothing if it was never made."""
        try:
            self.collector.remove(self.service, *values)
        except KeyError:
            pass


@cache
def _collectors() -> dict[str, Any]:
    """Every platform-wide collector, registered once per process (tests host several services)."""
    return {
        "rpc_requests": Counter("ecd_rpc_requests_total", "RPC requests answered, by method and outcome "
                                "(ok, error, or the platform error's name: Forbidden, NotFound, ...).",
                                ["service", "method", "outcome"]),
        "rpc_duration": Histogram("ecd_rpc_duration_seconds", "Time to answer an RPC, by method.",
                                  ["service", "method"], buckets=RPC_BUCKETS),
        "events_published": Counter("ecd_events_published_total", "Events the broker confirmed, by type.",
                                    ["service", "event_type"]),
        "events_consumed": Counter("ecd_events_consumed_total", "Events consumed, by type and outcome "
                                   f"({', '.join(CONSUMED_OUTCOMES)}).",
                                   ["service", "event_type", "outcome"]),
        "outbox_messages": Gauge("ecd_outbox_messages", "Outbox messages not yet published.", ["service"]),
        "outbox_oldest_age": Gauge("ecd_outbox_oldest_unsent_age_seconds",
                                   "Age of the oldest outbox message not yet published (0 when none).",
                                   ["service"]),
        "batch_events": Histogram("ecd_projection_batch_events", "Events applied per projection "
                                  "transaction (a batch).", ["service"], buckets=BATCH_BUCKETS),
        "catch_up_runs": Counter("ecd_catch_up_runs_total", "Catch-ups from a producer's event log, by "
                                 f"outcome ({', '.join(CATCH_UP_OUTCOMES)}).",
                                 ["service", "source", "outcome"]),
        "queue_messages": Gauge("ecd_queue_messages", "Messages ready in each queue the service consumes "
                                "(and its dead-letter queue), read every QUEUE_DEPTH_INTERVAL seconds.",
                                ["service", "queue"]),
        "consumer_connected": Gauge("ecd_queue_consumer_connected", "1 while every queue consumer of the "
                                    "service is connected to the broker and consuming, 0 while one "
                                    "reconnects (nothing it consumes is applied meanwhile).", ["service"]),
        "projection_lag": Gauge("ecd_projection_lag_seconds", "How old the newest event reporting applied "
                                "from the source was when applied (0 once a catch-up found nothing missing).",
                                ["source"]),
    }


@dataclass(frozen=True)
class ServiceMetrics:
    rpc_requests: ServiceLabelled
    rpc_duration: ServiceLabelled
    events_published: ServiceLabelled
    events_consumed: ServiceLabelled
    catch_up_runs: ServiceLabelled
    queue_messages: ServiceLabelled
    outbox_messages: ServiceLabelled  # .labels().set(n): the series exists once the service measures
    outbox_oldest_age: ServiceLabelled
    batch_events: ServiceLabelled
    consumer_connected: ServiceLabelled
    projection_lag: Gauge  # reporting's alone, by source


@cache
def service_metrics(service: str) -> ServiceMetrics:
    every = _collectors()
    labelled = {name: ServiceLabelled(collector, service) for name, collector in every.items()
                if name != "projection_lag"}
    return ServiceMetrics(**labelled, projection_lag=every["projection_lag"])


def metrics_text() -> tuple[int, dict[str, str], str]:
    """Body for nameko's ``@http`` (a str: nameko rejects bytes)."""
    return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest().decode()


def rpc_outcome(exc_info) -> str:
    if exc_info is None:
        return "ok"
    return type(exc_info[1]).__name__ if isinstance(exc_info[1], PlatformError) else "error"


def catch_up_outcome(result: dict) -> str:
    """A catch-up's answer for one source (``shared.plumbing.event_logs``) as its metric outcome."""
    if "unreachable" in result:
        return "unreachable"
    return "applied_from_log" if result.get("applied") else "nothing_missing"


def count_catch_ups(service: str, results: dict[str, dict]) -> None:
    """Count one catch-up run per source in ``results`` (source -> that source's answer)."""
    runs = service_metrics(service).catch_up_runs
    for source, result in results.items():
        runs.labels(source, catch_up_outcome(result)).inc()


def start_catch_up_counts(service: str, sources: tuple[str, ...]) -> None:
    """Each source's catch-up outcomes at 0 from the start: a labelled counter is otherwise born at
    its first .inc(), and ``increase()`` misses that first run (the first unreachable one)."""
    runs = service_metrics(service).catch_up_runs
    for source in sources:
        for outcome in CATCH_UP_OUTCOMES:
            runs.labels(source, outcome)


def rpc_outcomes(expected_exceptions: Any) -> tuple[str, ...]:
    """The outcomes a method can end in: ok, error, and the platform errors it declares."""
    declared = expected_exceptions if isinstance(expected_exceptions, tuple) else (expected_exceptions,)
    refusals = (exc.__name__ for exc in declared if isinstance(exc, type) and issubclass(exc, PlatformError))
    return ("ok", "error", *dict.fromkeys(refusals))


def oldest_age_seconds(oldest: datetime | None, now: datetime) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0


class RpcMetrics(DependencyProvider):
    """Count and time every RPC worker of the service; each method's outcomes (ok, error, the
    refusals it declares) exist at 0 from the start, so the first refused read is an increase."""

    def setup(self) -> None:
        self.metrics = service_metrics(self.container.service_name)
        self.started: dict = {}
        for entrypoint in self.container.entrypoints:  # each method's outcomes at 0 from the start
            if isinstance(entrypoint, Rpc):
                for outcome in rpc_outcomes(entrypoint.expected_exceptions):
                    self.metrics.rpc_requests.labels(entrypoint.method_name, outcome)

    def worker_setup(self, worker_ctx) -> None:
        if isinstance(worker_ctx.entrypoint, Rpc):
            self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        method = worker_ctx.entrypoint.method_name
        self.metrics.rpc_duration.labels(method).observe(time.perf_counter() - started)
        self.metrics.rpc_requests.labels(method, rpc_outcome(exc_info)).inc()
