"""A service whose queue consumer is reconnecting to the broker says so: ``/healthz`` (readiness)
answers 503 at once, ``/livez`` (liveness) once it has lasted CONSUMER_STALL_SECONDS, and
``ecd_queue_consumer_connected`` is 0; all three come back when the consumer consumes again."""

from urllib.parse import urlsplit

import requests

from shared.plumbing import operations
from shared.plumbing.entrypoints import rpc
from tests.support.broker_relay import HalfOpenProxy
from tests.support.processes import wait_until


class Tiny(operations.OperationsEndpoints):
    name = "tiny"

    @rpc
    def ping(self) -> str:
        return "pong"


def probes(address: str) -> tuple:
    base = f"http://{address}"
    health, live = requests.get(f"{base}/healthz", timeout=5), requests.get(f"{base}/livez", timeout=5)
    connected = next(line for line in requests.get(f"{base}/metrics", timeout=5).text.splitlines()
                     if line.startswith('ecd_queue_consumer_connected{service="tiny"}'))
    return health.status_code, health.text.split(" for ")[0], live.status_code, connected.split()[-1]


def test_a_consumer_cut_off_from_the_broker_is_not_ready_then_not_live_then_both_again(
        container_factory, service_config):
    config = service_config("tiny", QUEUE_DEPTH_INTERVAL=0, CONSUMER_STALL_SECONDS=1)
    direct = urlsplit(config["AMQP_URI"])
    relay = HalfOpenProxy((direct.hostname, direct.port or 5672))
    container = container_factory(Tiny, {**config, "AMQP_URI": relay.uri(config["AMQP_URI"])})
    container.start()
    address = config["WEB_SERVER_ADDRESS"]
    assert probes(address) == (200, "ok", 200, "1.0")

    relay.refusing = True
    relay.drop_clients()
    wait_until(lambda: probes(address)[0] == 503, 10, "readiness to say the consumer is cut off")
    assert probes(address)[1:2] + probes(address)[3:] == ("reconnecting to the broker", "0.0")
    wait_until(lambda: probes(address)[2] == 503, 10, "liveness to fail past CONSUMER_STALL_SECONDS")

    relay.refusing = False
    wait_until(lambda: probes(address) == (200, "ok", 200, "1.0"), 30, "the consumer to consume again")
