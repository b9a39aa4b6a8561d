"""Look at and replay a service's dead-lettered events (``make dead-letters``).

``list`` prints each parked message (event type, event id, attempts, error) and leaves it in the
queue, then how many there are ("0 dead letters in reporting.dead-letter" when all is well);
``replay`` moves every message back to the handler queue it came from, with its attempt count
reset (and the broker's own dead-lettering headers dropped: a quorum queue parks there what its
consumers took ``DELIVERY_LIMIT`` times without finishing), after the cause (a bug, a missing
reference) has been fixed. Replaying is safe because the consumers are idempotent. It goes through
the service's retry exchange (never the default exchange), so the service's own broker user may run
it. ``QUEUE_TYPE`` must be the services' (the dead-letter queue is declared with its arguments).
"""

import argparse
import json
import os
import sys
import warnings

from amqp.exceptions import NotFound
from kombu import Connection, Queue

from tools.broker_check import broker_problem

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation notice, printed when nameko is imported
    from shared.plumbing.consumer import (
        ATTEMPTS_HEADER,
        ERROR_HEADER,
        QUEUE_HEADER,
        dead_letter_queue,
        dead_letter_queue_name,
        retry_exchange,
    )
    from shared.plumbing.queue_types import DELIVERY_LIMIT, InvalidQueueType, configured_queue_type


def _messages(conn: Connection, queue: Queue):
    """The queue's messages, unacked; declared passively, so the tool needs no ``QUEUE_TYPE`` to
    read a quorum queue (a declaration with other arguments is refused), and finds none in a queue
    no service has made yet."""
    channel = conn.channel()
    bound = queue(channel)
    try:
        bound.queue_declare(passive=True)
    except NotFound:
        return
    while (message := bound.get(no_ack=False)) is not None:
        yield message


def parked_from(headers: dict) -> str | None:
    """The handler queue a dead letter came from: ours names it; the broker's (a quorum queue's
    delivery limit) says it in ``x-death``."""
    deaths = headers.get("x-death") or [{}]
    return headers.get(QUEUE_HEADER) or deaths[0].get("queue")


def broker_reason(headers: dict) -> str | None:
    deaths = headers.get("x-death") or []
    if deaths and deaths[0].get("reason") == "delivery_limit":
        return (f"taken {DELIVERY_LIMIT} times and never finished: each consumer gave it back unfinished "
                "(restarts, a scale-in, a retry the broker refused, or a message that kills its process); "
                "read the service's log before replaying")
    return deaths[0].get("reason") if deaths else None


def list_dead_letters(amqp_uri: str, service: str, queue_type: str) -> list[dict]:
    with Connection(amqp_uri) as conn:
        found = []
        for message in _messages(conn, dead_letter_queue(service, queue_type)):
            body = json.loads(message.body)
            headers = message.headers or {}
            found.append({"event_type": body.get("event_type"), "event_id": body.get("event_id"),
                          "attempts": headers.get(ATTEMPTS_HEADER), "queue": parked_from(headers),
                          "error": headers.get(ERROR_HEADER) or broker_reason(headers)})
    return found  # closing the channel with them unacked puts every message back


def replay_dead_letters(amqp_uri: str, service: str, queue_type: str) -> int:
    replayed = 0
    exchange = retry_exchange(service)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer()
        for message in _messages(conn, dead_letter_queue(service, queue_type)):
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in (ATTEMPTS_HEADER, ERROR_HEADER, QUEUE_HEADER) and not k.startswith("x-")}
            target = parked_from(message.headers)
            conn.default_channel.queue_declare(target, passive=True)  # raises if it is gone
            conn.default_channel.queue_bind(target, exchange.name, routing_key=target)  # bound by start too
            producer.publish(message.body, exchange=exchange, routing_key=target,
                             headers=headers, content_type=message.content_type,
                             content_encoding=message.content_encoding, delivery_mode=2)
            message.ack()  # only after the broker confirmed the copy
            replayed += 1
    return replayed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("list", "replay"))
    parser.add_argument("--service", default="reporting")
    args = parser.parse_args()
    amqp_uri = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    try:
        queue_type = configured_queue_type(os.environ)
    except InvalidQueueType as invalid:
        print(invalid, file=sys.stderr)
        return 2
    problem = broker_problem(amqp_uri)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if args.action == "list":
        found = list_dead_letters(amqp_uri, args.service, queue_type)
        for entry in found:
            print(json.dumps(entry, ensure_ascii=False))
        plural = "" if len(found) == 1 else "s"
        print(f"{len(found)} dead letter{plural} in {dead_letter_queue_name(args.service)}")
    else:
        print(f"replayed {replay_dead_letters(amqp_uri, args.service, queue_type)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
