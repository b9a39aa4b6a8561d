"""What each platform service does on the broker, read from its own nameko class: the one source of
every broker user's permissions (``tools.access.broker`` turns these into regexes).

A service class declares it all already: its ``name``; its ``@rpc`` entrypoints (it consumes
``rpc-<name>`` and replies to callers); its event handlers (their queues, and for reliable ones the
retry queue, the dead-letter queue and the ``<name>.retry`` exchange); an ``OutboxRelay`` or event
dispatcher (it publishes ``<name>.events``); ``EventLogs`` (the ``<source>.events_since`` RPCs it
calls) or a nameko ``RpcProxy`` (any method of its target); ``DeadLetters``; ``RetiredQueues`` (queues
it deletes at start). Building a ``ServiceContainer`` binds those extensions without connecting to
anything, so this needs no broker.
"""

import importlib
import warnings
from dataclasses import dataclass

PLATFORM_SERVICES = ("registry", "health", "education", "protection", "reporting")


@dataclass(frozen=True)
class HandlerQueue:
    source: str
    event_type: str
    queue: str
    retried: bool  # a reliable handler: it has ``<queue>.retry`` and parks in ``<service>.dead-letter``


@dataclass(frozen=True)
class ServiceDeclaration:
    name: str
    rpc_methods: tuple[str, ...] = ()
    handlers: tuple[HandlerQueue, ...] = ()
    publishes_events: bool = False
    calls: tuple[tuple[str, str | None], ...] = ()  # (service, method); None: any method
    parks_dead_letters: bool = False
    retired_queues: tuple[str, ...] = ()

    @property
    def consumed_sources(self) -> tuple[str, ...]:
        return tuple(sorted({handler.source for handler in self.handlers}))


def service_class(service: str) -> type:
    """The nameko class of ``services.<service>.service`` whose ``name`` is ``service``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet's deprecation notice, printed when nameko is imported
        module = importlib.import_module(f"services.{service}.service")
    for value in vars(module).values():
        if isinstance(value, type) and value.__module__ == module.__name__ and \
                getattr(value, "name", None) == service:
            return value
    raise LookupError(f"services.{service}.service has no nameko service named {service!r}")


def _handler(entrypoint, service: str) -> HandlerQueue:
    from shared.plumbing.consumer import ReliableEventHandler, handler_queue_name

    return HandlerQueue(entrypoint.source_service, entrypoint.event_type,
                        handler_queue_name(entrypoint.source_service, entrypoint.event_type, service,
                                           entrypoint.method_name),
                        isinstance(entrypoint, ReliableEventHandler))


def _calls(dependencies) -> tuple[tuple[str, str | None], ...]:
    from nameko.rpc import RpcProxy

    from shared.plumbing.event_logs import EventLogs

    calls = set()
    for dependency in dependencies:
        if isinstance(dependency, EventLogs):
            calls.update(dependency.calls())
        elif isinstance(dependency, RpcProxy):
            calls.add((dependency.target_service, None))
    return tuple(sorted(calls, key=lambda call: (call[0], call[1] or "")))


def declaration(service_cls: type) -> ServiceDeclaration:
    """What ``service_cls`` does on the broker, from its bound entrypoints and dependencies."""
    from nameko.containers import ServiceContainer
    from nameko.events import EventDispatcher, EventHandler
    from nameko.rpc import Rpc

    from shared.plumbing.consumer import DeadLetters, RetiredQueues
    from shared.plumbing.outbox import OutboxRelay

    container = ServiceContainer(service_cls, {"AMQP_URI": "memory://"})
    name = container.service_name
    entrypoints, dependencies = list(container.entrypoints), list(container.dependencies)
    handlers = sorted((_handler(e, name) for e in entrypoints if isinstance(e, EventHandler)),
                      key=lambda handler: handler.queue)
    return ServiceDeclaration(
        name=name,
        rpc_methods=tuple(sorted(e.method_name for e in entrypoints if isinstance(e, Rpc))),
        handlers=tuple(handlers),
        publishes_events=any(isinstance(d, OutboxRelay | EventDispatcher) for d in dependencies),
        calls=_calls(dependencies),
        parks_dead_letters=any(h.retried for h in handlers) or any(isinstance(d, DeadLetters)
                                                                   for d in dependencies),
        retired_queues=tuple(name for d in dependencies if isinstance(d, RetiredQueues) for name in d.names))


def platform_declarations() -> tuple[ServiceDeclaration, ...]:
    return tuple(declaration(service_class(service)) for service in PLATFORM_SERVICES)
