"""``ecd_events_consumed_total`` counts what every consumer's handlers did with each event, once, in
the reliable handler: a sector copying the registry's birth counts it applied as reporting does; a
redelivery reporting can tell it had applied counts as a duplicate, not also as applied; every
handler's event type starts at 0 for each outcome, so the first dead letter is an increase."""

from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from prometheus_client import REGISTRY

from shared.plumbing.metrics import CONSUMED_OUTCOMES
from tests.support.factories import make_birth, make_birth_envelope
from tests.support.hooks import write_and_wait


def consumed(service: str, outcome: str, event_type: str = "birth_registered") -> float | None:
    return REGISTRY.get_sample_value("ecd_events_consumed_total", {
        "service": service, "event_type": event_type, "outcome": outcome})


def counts(service: str) -> dict[str, float]:
    return {outcome: consumed(service, outcome) or 0 for outcome in CONSUMED_OUTCOMES}


def test_health_counts_the_registry_birth_it_applied(registry_container, health_container):
    before = consumed("health", "applied") or 0
    write_and_wait(registry_container, "register_birth", [make_birth()],
                   [(health_container, "handle_registry_birth_registered")])
    assert consumed("health", "applied") == before + 1


def test_reporting_counts_an_event_applied_once_and_its_redelivery_a_duplicate(reporting_container):
    envelope, before = make_birth_envelope(), counts("reporting")
    for _ in range(2):
        with entrypoint_waiter(reporting_container, "handle_registry_birth_registered"):
            event_dispatcher(reporting_container.config)("registry", "birth_registered", envelope)
    after = counts("reporting")
    assert {outcome: after[outcome] - before[outcome] for outcome in CONSUMED_OUTCOMES} == {
        "applied": 1, "duplicate": 1, "retried": 0, "dead_lettered": 0}


def test_each_handlers_outcomes_exist_from_its_start_not_from_their_first_event(education_container):
    assert {outcome: consumed("education", outcome, "death_recorded") is not None
            for outcome in CONSUMED_OUTCOMES} == {outcome: True for outcome in CONSUMED_OUTCOMES}
