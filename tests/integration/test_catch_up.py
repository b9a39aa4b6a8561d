"""Reporting catches up from the registry's event log: lost deliveries and a wiped view recover."""

import pytest
from kombu import Connection, Exchange, Queue
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import text

from services.reporting.service import ReportingService
from shared.exceptions import ValidationFailed
from tests.support.factories import make_birth
from tests.support.hooks import call


def test_events_published_before_reporting_had_queues_are_recovered(registry_container,
                                                                   container_factory, service_config):
    config = registry_container.config
    with Connection(config["AMQP_URI"]) as conn:  # another consumer: the broker routes to it only
        other = Queue("another-consumer", Exchange("registry.events", type="topic", durable=True),
                      routing_key="#", auto_delete=True)
        other(conn.channel()).declare()
        try:
            births = [make_birth() for _ in range(2)]
            for birth in births:
                call(registry_container, "register_birth", birth)
            reporting = container_factory(ReportingService, service_config("reporting"))
            reporting.start()
            assert call(reporting, "catch_up", "registry") == {"registry": {
                "source": "registry", "read": 2, "applied": 2, "position": 2}}
            assert call(reporting, "catch_up")["registry"]["read"] == 0
            assert call(reporting, "child_view", births[1]["child_id"])["registered"] is True
        finally:
            other(conn.channel()).delete()


def test_a_wiped_view_is_rebuilt_from_scratch(registry_container, reporting_container, reporting_db):
    for _ in range(3):
        with entrypoint_waiter(reporting_container, "handle_registry_birth_registered"):
            call(registry_container, "register_birth", make_birth())
    reporting_db.execute(text("TRUNCATE child_views, facts, processed_events, source_positions, "
                              "residence_periods, card_periods"))
    reporting_db.commit()
    assert call(reporting_container, "catch_up")["registry"]["applied"] == 3
    assert call(reporting_container, "view_stats") == {
        "children": 3, "registered": 3, "processed_events": 3}


def test_an_unknown_source_names_the_field(reporting_container):
    with pytest.raises(ValidationFailed) as error:
        call(reporting_container, "catch_up", "weather")
    assert error.value.errors == {"source": ["Must be one of: registry, health, education, protection."]}


def test_catch_up_skips_what_the_broker_delivered_without_claiming_it_again(registry_container,
                                                                           reporting_container):
    from shared.plumbing.metrics import service_metrics

    for _ in range(3):
        with entrypoint_waiter(reporting_container, "handle_registry_birth_registered"):
            call(registry_container, "register_birth", make_birth())
    duplicates = service_metrics("reporting").events_consumed.labels("birth_registered", "duplicate")
    before = duplicates._value.get()
    assert call(reporting_container, "catch_up")["registry"] == {
        "source": "registry", "read": 3, "applied": 0, "position": 3}
    assert duplicates._value.get() == before


def test_a_producer_that_is_not_running_is_reported_and_the_others_are_still_read(
        registry_container, reporting_container):
    call(registry_container, "register_birth", make_birth())
    result = call(reporting_container, "catch_up")
    assert (result["registry"]["read"], result["health"]) == (
        1, {"source": "health", "unreachable": "service health is not running"})
