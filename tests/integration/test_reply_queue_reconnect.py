"""After its connection drops on the client's side only (a reset by a load balancer, a network blip:
the broker learns of it at the heartbeat timeout), a service's consumer reconnects at once; its RPC
queue must be consumed again then, not once the broker has reaped the old connection and with it
the exclusive reply queue the consumer redeclares."""

from urllib.parse import urlsplit, urlunsplit

from kombu import Connection

from shared.plumbing.entrypoints import rpc
from shared.plumbing.event_logs import EventLogs
from tests.support.broker_relay import HalfOpenProxy
from tests.support.processes import wait_until


class Tiny:
    name = "tiny"
    logs = EventLogs(("registry",))

    @rpc
    def ping(self) -> str:
        return "pong"


def consumers_of(amqp_uri: str, queue: str) -> int:
    with Connection(amqp_uri) as conn:
        return conn.channel().queue_declare(queue, passive=True).consumer_count


def test_the_rpc_queue_is_consumed_again_soon_after_a_drop_the_broker_did_not_see(container_factory,
                                                                                   service_config):
    """The broker still counts the dropped consumer until its heartbeat timeout (60 s): the RPC
    queue has two consumers once the service has reconnected, one while it cannot."""
    config = service_config("reporting")
    direct = urlsplit(config["AMQP_URI"])
    proxy = HalfOpenProxy((direct.hostname, direct.port or 5672))
    netloc = f"{direct.username}:{direct.password}@127.0.0.1:{proxy.port}"
    with Connection(config["AMQP_URI"]) as conn:  # no call an earlier run left unanswered
        conn.channel().queue_delete("rpc-tiny")
    container = container_factory(Tiny, {**config, "AMQP_URI": urlunsplit(direct._replace(netloc=netloc))})
    container.start()
    proxy.drop_clients()
    wait_until(lambda: consumers_of(config["AMQP_URI"], "rpc-tiny") == 2, 10,
               "the service to consume its RPC queue again")
