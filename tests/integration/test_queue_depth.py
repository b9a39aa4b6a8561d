"""``ecd_queue_messages``: each consuming service reads the depth of its own queues from the real broker
(passive declares): every event handler queue it consumes and its dead-letter queue, one series each,
over one kept connection; a read that fails or hangs removes the series rather than leave stale figures."""

from eventlet.event import Event
from kombu import Connection
from prometheus_client import REGISTRY

from services.reporting.service import ReportingService
from shared.plumbing.consumer import dead_letter_queue
from shared.plumbing.queue_depth import QueueDepths
from shared.plumbing.queue_types import configured_queue_type
from tools.access.declarations import platform_declarations


def queue_depths(container) -> QueueDepths:
    return next(extension for extension in container.extensions if isinstance(extension, QueueDepths))


def test_reporting_reads_its_dead_letters_waiting_and_each_handler_queue_it_consumes(container_factory,
                                                                                   service_config):
    container = container_factory(ReportingService, service_config("reporting", QUEUE_DEPTH_INTERVAL=0))
    container.start()
    dead_letters = dead_letter_queue("reporting", configured_queue_type(service_config("reporting")))
    with Connection(service_config("reporting")["AMQP_URI"]) as conn:
        parked = conn.Producer().publish
        for number in range(3):
            parked({"event": number}, exchange=dead_letters.exchange,
                   routing_key="reporting.dead-letter", declare=[dead_letters],
                   serializer="json", retry=True)
    depths = queue_depths(container).measure()
    handler_queues = {handler.queue for service in platform_declarations() if service.name == "reporting"
                      for handler in service.handlers}
    assert depths == {"reporting.dead-letter": 3, **{queue: 0 for queue in handler_queues}}
    assert REGISTRY.get_sample_value("ecd_queue_messages", {"service": "reporting",
                                                            "queue": "reporting.dead-letter"}) == 3


def reporting_depths(container_factory, service_config) -> QueueDepths:
    container = container_factory(ReportingService, service_config("reporting", QUEUE_DEPTH_INTERVAL=0))
    container.start()
    return queue_depths(container)


def dead_letter_depth() -> float | None:
    return REGISTRY.get_sample_value("ecd_queue_messages", {"service": "reporting",
                                                            "queue": "reporting.dead-letter"})


def test_the_depths_are_read_over_one_connection_kept_between_reads(container_factory, service_config):
    depths = reporting_depths(container_factory, service_config)
    depths.read()
    kept = depths.connection
    assert (depths.read() is not None, depths.connection is kept, kept.connected) == (True, True, True)


def test_a_failed_read_removes_the_queue_series_instead_of_keeping_the_last_figures(
        container_factory, service_config, monkeypatch):
    depths = reporting_depths(container_factory, service_config)
    depths.read()
    measured = dead_letter_depth()

    def broker_gone() -> dict:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(depths, "measure", broker_gone)
    assert (measured is not None, depths.read(), dead_letter_depth(), depths.connection) == (
        True, None, None, None)


def test_a_read_the_broker_never_answers_is_given_up_and_its_series_removed(
        container_factory, service_config, monkeypatch):
    depths = reporting_depths(container_factory, service_config)
    depths.read()
    monkeypatch.setattr(depths, "measure", lambda: Event().wait())  # a broker that hangs: no answer ever
    depths.read_timeout = 0.05
    assert (depths.read(), dead_letter_depth()) == (None, None)
