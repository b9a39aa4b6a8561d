"""The platform as real processes on the real RabbitMQ and PostgreSQL."""

import pytest

from tests.conftest import free_port
from tests.support.processes import ServiceProcess, wait_healthy, wait_ready


@pytest.fixture
def queue_type() -> str:
    """The broker queues' type the platform runs on (``QUEUE_TYPE``): classic unless a test asks
    (``@pytest.mark.parametrize("queue_type", QUEUE_TYPES)``, from ``shared.plumbing.queue_types``)."""
    return "classic"


@pytest.fixture
def platform(clean_infra, tmp_path, queue_type):
    """Start reporting first (so its queues exist), then the registry; stop both afterwards."""
    env = {"AMQP_URI": clean_infra.amqp_uri, "QUEUE_TYPE": queue_type,
           "REGISTRY_DB_URL": clean_infra.db_url("registry"),
           "REPORTING_DB_URL": clean_infra.db_url("reporting"),
           "REGISTRY_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
           "REPORTING_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
           "EVENT_RETRY_DELAY_MS": "100", "CATCH_UP_INTERVAL": "0", "QUEUE_DEPTH_INTERVAL": "1"}
    processes = {name: ServiceProcess(name, env, tmp_path) for name in ("reporting", "registry")}
    config = {"AMQP_URI": clean_infra.amqp_uri}
    processes["reporting"].start()
    wait_ready(config, "reporting", "view_stats")
    processes["registry"].start()
    wait_ready(config, "registry", "events_since")
    for name in processes:  # every handler queue declared and consumed (quorum ones take longer)
        wait_healthy(env[f"{name.upper()}_WEB_SERVER_ADDRESS"])
    yield processes, config, env
    for process in processes.values():
        process.stop()
