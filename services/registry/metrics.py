"""The registry's figures for operators about matching (Prometheus): how many pairs wait for an
officer and for how long, and how many links the rule wrote itself. No child id in any label."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from prometheus_client import Counter, Gauge


@dataclass(frozen=True)
class LinkingMetrics:
    open_reviews: Gauge
    oldest_review_age: Gauge
    automatic_links: Counter


@cache
def linking_metrics() -> LinkingMetrics:
    return LinkingMetrics(
        open_reviews=Gauge("registry_match_reviews_open", "Match reviews waiting for an officer."),
        oldest_review_age=Gauge("registry_match_review_oldest_age_seconds",
                                "Age of the oldest open match review (0 when none)."),
        automatic_links=Counter("registry_identity_links_automatic_total",
                                "Provisional ids linked by the matching rule itself."),
    )


def measure_reviews(count: int, oldest: datetime | None, now: datetime) -> None:
    metrics = linking_metrics()
    metrics.open_reviews.set(count)
    metrics.oldest_review_age.set((now - oldest).total_seconds() if oldest is not None else 0)
