"""A service stops within 5 s of SIGTERM even while it waits on a peer that never answers (a catch-up
reading a frozen producer's event log): the stop cancels the call instead of waiting it out."""

import time

import pytest
from kombu import Connection, Exchange, Queue

from tests.conftest import free_port
from tests.support.processes import ServiceProcess, wait_ready, wait_until

pytestmark = pytest.mark.e2e
STOP_SECONDS = 5


def frozen_registry(amqp_uri: str) -> Queue:
    """A registry whose RPC queue takes calls and never answers them."""
    return Queue("rpc-registry", Exchange("nameko-rpc", type="topic", durable=True),
                 routing_key="registry.*", durable=True)


def waiting_calls(amqp_uri: str, queue: Queue) -> int:
    with Connection(amqp_uri) as conn:
        return queue(conn.channel()).queue_declare(passive=True).message_count


@pytest.mark.parametrize("follower, probe", [("health", "events_since"), ("reporting", "view_stats")])
def test_a_catch_up_waiting_on_a_frozen_registry_does_not_hold_the_stop(follower, probe, clean_infra,
                                                                        tmp_path):
    env = {"AMQP_URI": clean_infra.amqp_uri, "CATCH_UP_INTERVAL": "1",
           f"{follower.upper()}_DB_URL": f"sqlite:///{tmp_path}/{follower}.db",
           f"{follower.upper()}_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
    process = ServiceProcess(follower, env, tmp_path).start()
    registry = frozen_registry(clean_infra.amqp_uri)
    try:
        wait_ready({"AMQP_URI": clean_infra.amqp_uri}, follower, probe)
        with Connection(clean_infra.amqp_uri) as conn:
            registry(conn.channel()).declare()
        wait_until(lambda: waiting_calls(clean_infra.amqp_uri, registry) >= 1, 30,
                   f"{follower}'s catch-up to call the frozen registry")
        started = time.monotonic()
        process.proc.terminate()
        status = process.proc.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        process.kill()
        with Connection(clean_infra.amqp_uri) as conn:
            registry(conn.channel()).delete()
    assert (status, took < STOP_SECONDS) == (0, True), f"stopped in {took:.1f} s"
    log = (tmp_path / f"{follower}-1.log").read_text()
    assert "catch-up from registry skipped: this service is stopping" in log
