"""After its connection drops on the client's side only (a reset by a load balancer, a network blip:
the broker learns of it at the heartbeat timeout), a service's consumer reconnects at once; its RPC
queue must be consumed again then, not once the broker has reaped the old connection and with it
the exclusive reply queue the consumer redeclares."""

from urllib.parse import urlsplit, urlunsplit

import eventlet
from eventlet.green import socket
from kombu import Connection

from shared.plumbing.entrypoints import rpc
from shared.plumbing.event_logs import EventLogs
from tests.conftest import free_port
from tests.support.processes import wait_until


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
        for client in dropped:  # the broker's side stays open, as across a reset it never saw
            client.shutdown(socket.SHUT_RDWR)  # its pumps end (no read left waiting on a reused fd)


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
