"""After its connection drops on the client's side only (a reset by a load balancer, a network blip:
the broker learns of it at the heartbeat timeout), a service's consumer reconnects at once; its RPC
queue must be consumed again then, not once the broker has reaped the old connection and with it
the exclusive reply queue the consumer redeclares."""

from urllib.parse import urlsplit, urlunsplit

import eventlet
from eventlet.green import socket

from shared.plumbing.entrypoints import rpc
from shared.plumbing.event_logs import EventLogs
from tests.conftest import free_port
from tests.support.identities import cluster_proxy


class HalfOpenProxy:
    """A TCP relay to the broker whose ``drop_clients`` closes the client sides only."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream, self.port, self.clients, self.kept = upstream, free_port(), [], []
        self.server = eventlet.listen(("127.0.0.1", self.port))
        eventlet.spawn(self._accept)

    def _accept(self) -> None:
        while True:
            client, _ = self.server.accept()
            broker = socket.create_connection(self.upstream)
            self.clients.append(client)
            self.kept.append(broker)
            eventlet.spawn(self._pump, client, broker)
            eventlet.spawn(self._pump, broker, client)

    @staticmethod
    def _pump(source, target) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass

    def drop_clients(self) -> None:
        dropped, self.clients = self.clients, []
        for client in dropped:
            client.close()  # the broker's side stays open, as across a reset it never saw


class Tiny:
    name = "tiny"
    logs = EventLogs(("registry",))

    @rpc
    def ping(self) -> str:
        return "pong"


def answered(config: dict, calls: int) -> int:
    """How many of ``calls`` pings are answered within 15 s (all waited on together)."""
    answers = []
    with cluster_proxy(config, timeout=20) as caller:
        replies = [caller.tiny.ping.call_async() for _ in range(calls)]
        with eventlet.Timeout(15, False):
            for reply in replies:
                answers.append(reply.result())
    return answers.count("pong")


def test_the_rpc_queue_is_consumed_again_soon_after_a_drop_the_broker_did_not_see(container_factory,
                                                                                   service_config):
    """The broker still counts the dropped consumer until its heartbeat timeout, so it holds up to
    its prefetch (max_workers, 10) of the 30 calls unanswered; the reconnected consumer answers the rest."""
    config = service_config("reporting")
    direct = urlsplit(config["AMQP_URI"])
    proxy = HalfOpenProxy((direct.hostname, direct.port or 5672))
    netloc = f"{direct.username}:{direct.password}@127.0.0.1:{proxy.port}"
    container = container_factory(Tiny, {**config, "AMQP_URI": urlunsplit(direct._replace(netloc=netloc))})
    container.start()
    proxy.drop_clients()
    assert answered(config, 30) >= 20
