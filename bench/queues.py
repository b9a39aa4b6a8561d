"""Empty the broker queues of the services the bench starts, before a configuration and after it, and
refuse to when someone else consumes from them.

A configuration that froze leaves RPC requests nobody answered in ``rpc-<service>`` and events in
the handler queues (and their ``.retry`` queues); the next configuration's services, on the same
virtual host, would otherwise take that backlog for their own work (and the first request of a
frozen backlog freezes them again). The queue names come from the service classes themselves:
``rpc-<service>``, ``<service>.dead-letter``, and per reliable event handler its queue and its
``.retry`` queue. A queue that does not exist yet is skipped. When the bench's services are not
running, a consumer on one of these queues belongs to another platform on the same virtual host (a
``make run`` on the default ``/``): purging would drop its messages and the bench's services would
compete for them, so ``purge`` raises ``SharedVirtualHost`` instead, before touching anything.
"""

import inspect

from amqp.exceptions import NotFound
from kombu import Connection

from shared.plumbing.consumer import dead_letter_queue_name, handler_queue_name


class SharedVirtualHost(Exception):
    """Another platform consumes from the bench services' queues on this virtual host."""


def service_queues(service: type) -> list[str]:
    """Every queue ``service`` consumes from or parks messages in."""
    name = service.name
    queues = [f"rpc-{name}", dead_letter_queue_name(name)]
    for method, attribute in inspect.getmembers(service):
        for entrypoint in getattr(attribute, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "event_type"):
                queue = handler_queue_name(entrypoint.source_service, entrypoint.event_type, name, method)
                queues += [queue, f"{queue}.retry"]
    return queues


def existing(conn: Connection, services: list[type]) -> dict[str, int]:
    """The queues of ``services`` that exist, with their number of consumers."""
    found = {}
    for queue in (queue for service in services for queue in service_queues(service)):
        channel = conn.channel()  # a missing queue closes the channel it was asked on
        try:
            found[queue] = channel.queue_declare(queue, passive=True).consumer_count
        except NotFound:
            continue
        channel.close()
    return found


def consumed(amqp_uri: str, services: list[type]) -> list[str]:
    """The queues of ``services`` someone consumes from (none while the bench's services are stopped)."""
    with Connection(amqp_uri, connect_timeout=10) as conn:
        return [queue for queue, consumers in existing(conn, services).items() if consumers]


def purge(amqp_uri: str, services: list[type]) -> int:
    """Purge the queues of ``services``; how many messages they held."""
    with Connection(amqp_uri, connect_timeout=10) as conn:
        queues = existing(conn, services)
        busy = [queue for queue, consumers in queues.items() if consumers]
        if busy:
            raise SharedVirtualHost(shared_message(amqp_uri, busy))
        channel = conn.channel()
        dropped = sum(channel.queue_purge(queue) or 0 for queue in queues)
        channel.close()
    return dropped


def shared_message(amqp_uri: str, busy: list[str]) -> str:
    vhost = amqp_uri.rsplit("/", 1)[-1] or "/"
    return (f"another platform consumes from {len(busy)} of the bench services' queues on virtual host "
            f"{vhost!r} (e.g. {busy[0]}); the bench would take its messages. Point AMQP_URI at a "
            "virtual host of the bench's own.")
