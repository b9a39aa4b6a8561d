"""A TCP relay between a service and the broker, for tests of what a service does when its broker
connection drops or cannot be made again."""

from urllib.parse import urlsplit, urlunsplit

import eventlet
from eventlet.green import socket

from tests.conftest import free_port


class HalfOpenProxy:
    """A TCP relay to the broker whose ``drop_clients`` closes the client sides only; while
    ``refusing``, a new connection is closed at once (a broker node gone)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream, self.port, self.clients, self.kept = upstream, free_port(), [], []
        self.refusing = False
        self.server = eventlet.listen(("127.0.0.1", self.port))
        eventlet.spawn(self._accept)

    def _accept(self) -> None:
        while True:
            client, _ = self.server.accept()
            if self.refusing:
                client.close()
                continue
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

    def uri(self, amqp_uri: str) -> str:
        """``amqp_uri`` through this relay."""
        parts = urlsplit(amqp_uri)
        return urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{self.port}"))
