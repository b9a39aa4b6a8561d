"""An RPC over plain AMQP and JSON, as a sector system in any language sends it (no nameko): the
request on ``nameko-rpc`` with ``reply_to``, ``correlation_id`` and the token in the header
``nameko.authorization``; the raw reply body back."""

import time
import uuid
from typing import Any

from kombu import Connection, Consumer, Exchange, Producer, Queue


def raw_rpc(amqp_uri: str, service: str, method: str, args: list, token: str | None = None,
            timeout: float = 10, kwargs: dict | None = None, reply_key: str | None = None) -> dict[str, Any]:
    """The reply's body (``TimeoutError`` if none came); ``reply_key`` other than a uuid4 only to show
    that a service's broker user may not answer it."""
    exchange = Exchange("nameko-rpc", type="topic", durable=True)
    reply_key, correlation = reply_key or str(uuid.uuid4()), uuid.uuid4().hex
    headers = {"nameko.call_id_stack": [f"wire.{correlation}"]}
    if token:
        headers["nameko.authorization"] = token
    replies: list = []
    with Connection(amqp_uri) as conn, conn.channel() as channel:
        queue = Queue(f"rpc.reply-standalone_rpc_proxy-{reply_key}", exchange, routing_key=reply_key,
                      auto_delete=True, exclusive=True)
        with Consumer(channel, [queue], accept=["json"],
                      callbacks=[lambda body, message: (replies.append(body), message.ack())]):
            Producer(channel).publish({"args": args, "kwargs": kwargs or {}}, exchange=exchange,
                                      routing_key=f"{service}.{method}", reply_to=reply_key,
                                      correlation_id=correlation, serializer="json", headers=headers,
                                      declare=[queue])
            deadline = time.monotonic() + timeout
            while not replies and time.monotonic() < deadline:
                try:
                    conn.drain_events(timeout=1)
                except TimeoutError:
                    pass
    if not replies:
        raise TimeoutError(f"no reply from {service}.{method} within {timeout} s")
    return replies[0]
