"""Review of issue 20: ``ecd_events_consumed_total`` counts what every consumer applies, not only
reporting's: health copying the registry's birth is a consumed event of health's."""

from prometheus_client import REGISTRY

from tests.support.factories import make_birth
from tests.support.hooks import write_and_wait


def consumed(service: str, outcome: str) -> float | None:
    return REGISTRY.get_sample_value("ecd_events_consumed_total", {
        "service": service, "event_type": "birth_registered", "outcome": outcome})


def test_health_counts_the_registry_birth_it_applied(registry_container, health_container):
    before = consumed("health", "applied") or 0
    write_and_wait(registry_container, "register_birth", [make_birth()],
                   [(health_container, "handle_registry_birth_registered")])
    assert consumed("health", "applied") == before + 1
