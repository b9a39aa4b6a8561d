"""Which type of RabbitMQ queue the platform declares: classic (the default) or quorum (``QUEUE_TYPE``).

A quorum queue is replicated over the broker cluster's nodes (Raft), so it outlives the loss of a
node; a classic queue lives on one node. Every durable queue the platform declares takes its
arguments from ``queue_arguments`` here, whoever declares it: the services' RPC queues (``rpc-<svc>``),
their event handler queues (``evt-…``), the retry queues (``<queue>.retry``) and dead-letter queues
(``<svc>.dead-letter``), and the tools that declare the same queues (``tools/dead_letters``); a
declaration with other arguments than the queue has is refused by the broker (406
PRECONDITION_FAILED). Classic queues are declared with no ``x-queue-type`` at all, exactly as before
the setting existed. nameko's RPC reply queues (``rpc.reply-<svc>-<uuid>``: one per process, expiring
once it is gone) stay classic whatever the setting: a reply lost with a node is a caller's timeout and
retry, and replicating a queue that dies with its process buys nothing. A queue that dead-letters
(the retry queues) dead-letters at least once on quorum (``x-dead-letter-strategy``, which needs
``x-overflow: reject-publish``): a message expiring while the handler queue cannot take it (a node
lost) is kept until that queue confirms it, where classic dead-lettering (and quorum's default) may
drop it.
A quorum handler queue parks a message its consumers took ``DELIVERY_LIMIT`` times without ever
acking it (each took it and died: a message that kills its process) in the service's dead-letter
queue, where ``make dead-letters`` lists and replays it; RabbitMQ 4 sets a limit of 20 on every quorum
queue by itself and, with no dead-letter target, DROPS the message there. A handler that raises is
retried then dead-lettered by ``shared.plumbing.consumer`` with its error, as on classic. A queue's
type cannot change in place: ``explain_mismatch`` turns the broker's refusal into what to do.
"""

import re
from collections.abc import Mapping
from typing import Any

from shared.plumbing.config_keys import QUEUE_TYPE_KEY

CLASSIC, QUORUM = "classic", "quorum"
DELIVERY_LIMIT = 20  # RabbitMQ 4's own default for quorum queues, set here so 3.x behaves the same
QUEUE_TYPES = (CLASSIC, QUORUM)
_OTHER_ARGUMENT = re.compile(r"inequivalent arg '([^']+)' for queue '([^']*)'?")
_CURRENT_TYPE = re.compile(r"inequivalent arg 'x-queue-type'.*current is (?:the value )?'?(\w+)")


class InvalidQueueType(ValueError):
    """``QUEUE_TYPE`` names no queue type the platform knows."""


class QueueTypeMismatch(RuntimeError):
    """A queue exists on the broker with another type than ``QUEUE_TYPE`` asks for."""


def configured_queue_type(settings: Mapping[str, Any]) -> str:
    """``QUEUE_TYPE`` from a service's config or a tool's environment: ``classic`` unless set."""
    value = str(settings.get(QUEUE_TYPE_KEY) or CLASSIC).strip().lower()
    if value not in QUEUE_TYPES:
        raise InvalidQueueType(f"{QUEUE_TYPE_KEY} must be one of {', '.join(QUEUE_TYPES)}, "
                               f"not {settings.get(QUEUE_TYPE_KEY)!r}")
    return value


def queue_arguments(queue_type: str, dead_letter_to: tuple[str, str] | None = None) -> dict[str, Any]:
    """A durable queue's declaration arguments; ``dead_letter_to`` = (exchange, routing key) where its
    expired messages go."""
    arguments: dict[str, Any] = {"x-queue-type": QUORUM} if queue_type == QUORUM else {}
    if dead_letter_to is not None:
        exchange, routing_key = dead_letter_to
        arguments |= {"x-dead-letter-exchange": exchange, "x-dead-letter-routing-key": routing_key}
        if queue_type == QUORUM:
            arguments |= {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
    return arguments


def handler_queue_arguments(queue_type: str, parked_at: tuple[str, str]) -> dict[str, Any]:
    """A handler queue's arguments: on quorum, a message delivered ``DELIVERY_LIMIT`` times and
    never acked goes to ``parked_at`` (exchange, routing key: the service's dead-letter queue)."""
    if queue_type != QUORUM:
        return queue_arguments(queue_type)
    return queue_arguments(QUORUM, dead_letter_to=parked_at) | {"x-delivery-limit": DELIVERY_LIMIT}


def explain_mismatch(refusal: BaseException, queue_type: str, vhost: str) -> QueueTypeMismatch | None:
    """What to do, when the broker refused a declaration because the queue has another type. (The
    broker cuts its reply at 255 characters: with a long queue name, the type it has may be cut off.)"""
    text = str(refusal)
    if "inequivalent arg 'x-queue-type'" not in text:
        return _other_argument(text, vhost)
    found = _CURRENT_TYPE.search(text)
    current = found.group(1) if found else next(t for t in QUEUE_TYPES if t != queue_type)
    current = CLASSIC if current == "none" else current
    queue = re.search(r"for queue '([^']*)('?)", text)
    name = (queue.group(1) + ("" if queue.group(2) else "...")) if queue else "?"
    return QueueTypeMismatch(
        f"{QUEUE_TYPE_KEY}={queue_type}, but queue '{name}' on virtual host '{vhost}' is a {current} "
        f"queue, and RabbitMQ cannot change a queue's type in place. Either point every service at a "
        f"new virtual host (AMQP_URI), or stop every service, let the queues drain (the handler, retry "
        f"and dead-letter queues empty; replay dead letters first), delete them (rabbitmqctl "
        f"delete_queue -p {vhost} NAME) and start again; or set {QUEUE_TYPE_KEY}={current} to keep them.")


def _other_argument(text: str, vhost: str) -> QueueTypeMismatch | None:
    """A queue made by an earlier version with other arguments (a delivery limit, a dead-letter
    target): stopping the start says so, where retrying the declaration would wait for ever."""
    found = _OTHER_ARGUMENT.search(text)
    if found is None:
        return None
    argument, queue = found.groups()
    return QueueTypeMismatch(
        f"queue '{queue}' on virtual host '{vhost}' has another '{argument}' than this version declares "
        f"({text.split(' - ', 1)[-1]}), and RabbitMQ cannot change a queue's arguments in place. Stop "
        f"every service, let the queue drain (replay dead letters first), delete it (rabbitmqctl "
        f"delete_queue -p {vhost} NAME) and start again, or point every service at a new virtual host.")
