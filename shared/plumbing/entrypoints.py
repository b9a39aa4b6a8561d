"""nameko's RPC entrypoint and consumers, made prompt to stop: every service uses ``rpc`` from here.

nameko's queue consumers wait up to one second on the broker's socket between looks at their own
state, and a stop goes through them three times in turn (entrypoints, then the RPC reply listener,
then the consumer itself), so every service took 2-3 s to stop and five of them, sharing two cores,
came close to the 5 s that Kubernetes and systemd allow. Here they look every 0.1 s: a stop takes
a few tenths of a second, at the cost of a heartbeat check per look.

A reply the broker refuses to carry (the service's broker user may answer only uuid-shaped reply
keys: ``tools.access``) is dropped with a warning instead of killing the service, as nameko would.
A refusal's reply also carries what a caller in any language reads without knowing Python:
``error.reason`` (the message) and, for ``ValidationFailed``, ``error.errors`` (field -> messages),
beside nameko's own ``exc_type``, ``exc_path``, ``exc_args`` and ``value``.

The RPC queue ``rpc-<service>`` is declared with the configured type's arguments (``QUEUE_TYPE``,
``shared.plumbing.queue_types``), and a consumer whose queue exists with another type stops the
service at start with what to do, not with the broker's bare 406.
"""

import logging
import time
import uuid
from typing import Any

from amqp.exceptions import AccessRefused, PreconditionFailed
from kombu import Connection, Queue
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.messaging import QueueConsumer
from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, ReplyListener, Responder, Rpc, RpcConsumer, get_rpc_exchange

from shared.plumbing.queue_types import configured_queue_type, explain_mismatch, queue_arguments

_log = logging.getLogger(__name__)
DRAIN_SECONDS = 0.1


class PromptQueueConsumer(QueueConsumer):
    cut_since: float | None = None  # monotonic time the consumer last started (re)connecting; None: consuming

    def consume(self, *args: Any, **kwargs: Any) -> Any:
        """kombu's run loop calls this at the start and again after every connection or channel error,
        and it returns once the consumer is set up again (``on_consume_ready``)."""
        if self.cut_since is None:
            self.cut_since = time.monotonic()
        return super().consume(*args, safety_interval=DRAIN_SECONDS, **kwargs)

    def on_consume_ready(self, connection: Any, channel: Any, consumers: Any, **kwargs: Any) -> None:
        super().on_consume_ready(connection, channel, consumers, **kwargs)
        self.cut_since = None

    def seconds_cut_off(self) -> float:
        """How long the consumer has been reconnecting (0 while it consumes)."""
        return 0.0 if self.cut_since is None else time.monotonic() - self.cut_since

    def get_consumers(self, consumer_cls, channel):
        """nameko's, with a queue of the wrong type explained (the declarations happen here)."""
        for provider in self._providers:  # a reply queue is made anew on each connection
            getattr(provider, "renew_queue", lambda: None)()
        try:
            self.declare_companions(channel)
            return super().get_consumers(consumer_cls, channel)
        except PreconditionFailed as refusal:
            config = self.container.config
            mismatch = explain_mismatch(refusal, configured_queue_type(config),
                                        Connection(config[AMQP_URI_CONFIG_KEY]).virtual_host)
            if mismatch is None:
                raise
            _log.error("%s", mismatch)
            raise mismatch from refusal

    def declare_companions(self, channel: Any) -> None:
        """Queues the providers do not consume from but publish to (none here): declared at start
        too, so that a queue of the wrong type is found then, not at the first publish."""

    def unregister_provider(self, provider: Any) -> None:
        """nameko's, except for a stop that comes while the consumers are still starting (a
        SIGTERM soon after start, with many queues to declare): nameko signals "last provider gone"
        once per provider then, and the second signal raised in every provider's stop."""
        if not self._consumers_ready.ready():
            if not self._last_provider_unregistered.ready():
                self._last_provider_unregistered.send()
            return
        super().unregister_provider(provider)


def readable(error: dict[str, Any] | None) -> dict[str, Any] | None:
    """nameko's error dict with ``reason`` and, for a field map, ``errors`` added."""
    if not error:
        return error
    args = error.get("exc_args") or []
    fields = args[0] if error.get("exc_type") == "ValidationFailed" and args else None
    return {**error, "reason": error.get("value"), **({"errors": fields} if isinstance(fields, dict) else {})}


class ReadablePublisher(Publisher):
    def publish(self, payload: Any, **kwargs: Any) -> None:
        if isinstance(payload, dict) and "error" in payload:
            payload = {**payload, "error": readable(payload["error"])}
        try:
            super().publish(payload, **kwargs)
        except AccessRefused as refusal:
            _log.warning("reply to %r not sent: the broker refused it (%s)",
                         str(kwargs.get("routing_key"))[:80], refusal)


class ReadableResponder(Responder):
    publisher_cls = ReadablePublisher


class PromptRpcConsumer(RpcConsumer):
    queue_consumer = PromptQueueConsumer()

    def setup(self) -> None:
        """nameko's, its queue declared with the configured type's arguments."""
        if self.queue is None:
            super().setup()
            queue_type = configured_queue_type(self.container.config)
            self.queue = Queue(self.queue.name, exchange=self.queue.exchange,
                               routing_key=self.queue.routing_key, durable=True,
                               queue_arguments=queue_arguments(queue_type))

    def handle_result(self, message: Any, result: Any, exc_info: Any) -> tuple:
        """nameko's, answering through ``ReadableResponder``."""
        config = self.container.config
        responder = ReadableResponder(
            config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class PromptRpc(Rpc):
    rpc_consumer = PromptRpcConsumer()


class PromptReplyListener(ReplyListener):
    queue_consumer = PromptQueueConsumer()

    def setup(self) -> None:
        """nameko's, its reply queue exclusive to the connection. nameko declares it durable with
        ``x-expires``, so it lives on one broker node and outlives its connection; when that node is
        lost, redeclaring it fails ("home node ... is down") and the consumer, which the service's RPC
        queue shares, retries forever: the replica answers nothing until the node is back. An exclusive
        queue goes with its connection and is made again on the node the consumer reconnects to (a
        reply in flight is lost: the caller's timeout, then its retry)."""
        super().setup()
        self.renew_queue()

    def renew_queue(self) -> None:
        """A reply queue of a new name, exclusive to the connection being made: the old one may still
        be held by a connection the broker has not yet seen drop (its heartbeat timeout), and
        redeclaring it would be refused (405 RESOURCE_LOCKED) until then, stalling the RPC queue too."""
        self.routing_key = str(uuid.uuid4())
        self.queue = Queue(RPC_REPLY_QUEUE_TEMPLATE.format(self.container.service_name, self.routing_key),
                           exchange=get_rpc_exchange(self.container.config), routing_key=self.routing_key,
                           durable=False, exclusive=True)


rpc = PromptRpc.decorator
