"""A RabbitMQ restart in the middle of the traffic loses no event and counts none twice, on classic
queues and on quorum queues (``QUEUE_TYPE``)."""

import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

from shared.plumbing.queue_types import QUEUE_TYPES
from tests.support.factories import make_birth
from tests.support.identities import cluster_proxy
from tests.support.infra import unavailable
from tests.support.processes import wait_ready, wait_until

pytestmark = pytest.mark.e2e
BATCH = 300


def restart_local_broker() -> None:
    for command in (["rabbitmqctl", "stop_app"], ["rabbitmqctl", "start_app"],
                    ["rabbitmqctl", "await_startup"]):
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def can_control_local_broker() -> bool:
    if shutil.which("rabbitmqctl") is None:
        return False
    status = subprocess.run(["rabbitmqctl", "status"], capture_output=True, timeout=60)
    return status.returncode == 0


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_restarting_the_broker_mid_stream_loses_nothing(platform):
    processes, config, _ = platform
    if urlsplit(config["AMQP_URI"]).port != 5672:
        pytest.skip("the broker under test is not the local node rabbitmqctl controls (a container)")
    if not can_control_local_broker():  # the local node, which CI runs: its restart must be proven there
        unavailable("needs control of the local RabbitMQ node (rabbitmqctl)",
                    "the kill tests on quorum queues include this restart")
    processes["reporting"].kill()  # so the first batch waits in the broker's queues
    with cluster_proxy(config, timeout=30) as rpc:
        for _ in range(BATCH):
            rpc.registry.register_birth(make_birth())
    restart_local_broker()  # the queued events must survive it
    processes["reporting"].start()
    wait_ready(config, "registry", "events_since")
    wait_ready(config, "reporting", "view_stats")
    with cluster_proxy(config, timeout=30) as rpc:
        for _ in range(BATCH):
            rpc.registry.register_birth(make_birth())
        stats = wait_until(lambda: (s := rpc.reporting.view_stats())["processed_events"] >= 2 * BATCH
                           and s, 120, "every event in the view")
    assert stats == {"children": 2 * BATCH, "registered": 2 * BATCH, "processed_events": 2 * BATCH}
    assert all(process.alive() for process in processes.values())
