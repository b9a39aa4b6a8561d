"""Empty the broker queues of the services the bench starts, before a configuration and after it.

A configuration that froze leaves RPC requests nobody answered in ``rpc-<service>`` and events in
the handler queues (and their ``.retry`` queues); the next configuration's services, on the same
virtual host, would otherwise take that backlog for their own work (and the first request of a
frozen backlog freezes them again). The queue names come from the service classes themselves:
``rpc-<service>``, ``<service>.dead-letter``, and per reliable event handler its queue and its
``.retry`` queue. A queue that does not exist yet is simply skipped.
"""

import inspect

from amqp.exceptions import NotFound
from kombu import Connection

from shared.consumer import dead_letter_queue_name, handler_queue_name


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


def purge(amqp_uri: str, services: list[type]) -> int:
    """Purge the queues of ``services``; how many messages they held."""
    dropped = 0
    with Connection(amqp_uri, connect_timeout=10) as conn:
        for service in services:
            for queue in service_queues(service):
                channel = conn.channel()  # a missing queue closes the channel it was asked on
                try:
                    dropped += channel.queue_purge(queue) or 0
                except NotFound:
                    continue
                channel.close()
    return dropped
