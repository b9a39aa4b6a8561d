"""Publishing a window of messages with publisher confirms, and learning which of them the broker took.

A channel in confirm mode numbers what it publishes 1, 2, 3 … (the delivery tags) and the broker
answers each with ``basic.ack`` or ``basic.nack``, often one answer for many (``multiple``); a
mandatory message no queue would take comes back as ``basic.return`` (before its ack), named here by
its ``message_id``. ``ConfirmWindow`` is that bookkeeping, with no I/O. ``BrokerLink`` publishes a
window (all of it, then one wait for the answers) on the one connection of its relay, used by one
green thread at a time, and opens a new one after a failure. Only what the broker acked and did not
return counts as sent; what it returned is unrouted; what it nacked, or left unanswered within the
timeout or when the connection went, is unsent (it may still have reached a queue: at least once).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eventlet.semaphore import Semaphore
from kombu import Connection, Exchange, Producer

_log = logging.getLogger(__name__)
PERSISTENT = 2  # delivery mode: the broker writes the message to disk before it acks
ANSWERS = (("basic_ack", "on_ack"), ("basic_nack", "on_nack"), ("basic_return", "on_return"))  # -> window


@dataclass
class Outcome:
    """Outbox positions by what the broker did with their messages."""
    sent: list[int] = field(default_factory=list)
    unrouted: list[int] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)

    def add(self, other: "Outcome") -> None:
        self.sent += other.sent
        self.unrouted += other.unrouted
        self.unsent += other.unsent


class ConfirmWindow:
    """The broker's answers about one window of messages, the first published as ``first_tag``."""

    def __init__(self, first_tag: int = 1) -> None:
        self.next_tag = first_tag
        self.positions: dict[int, int] = {}  # delivery tag -> outbox position
        self.tags: dict[str, int] = {}  # message id -> delivery tag
        self.pending: set[int] = set()
        self.acked: set[int] = set()
        self.returned: set[int] = set()

    def published(self, position: int, message_id: str) -> None:
        """Note a message as it is published: it takes the channel's next delivery tag."""
        self.positions[self.next_tag] = position
        self.tags[message_id] = self.next_tag
        self.pending.add(self.next_tag)
        self.next_tag += 1

    def on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self.acked |= self._answered(delivery_tag, multiple)

    def on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._answered(delivery_tag, multiple)

    def on_return(self, _exc: Exception, _exchange: str, _routing_key: str, message: Any) -> None:
        tag = self.tags.get(message.properties.get("message_id"))
        if tag is not None:
            self.returned.add(tag)

    def _answered(self, delivery_tag: int, multiple: bool) -> set[int]:
        tags = {tag for tag in self.pending if tag <= delivery_tag} if multiple else {delivery_tag}
        tags &= self.pending
        self.pending -= tags
        return tags

    @property
    def answered(self) -> bool:
        return not self.pending

    def outcome(self) -> Outcome:
        """Sent: acked and not returned; unrouted: returned; unsent: nacked or not answered."""
        result = Outcome()
        for tag, position in self.positions.items():
            if tag in self.returned:
                result.unrouted.append(position)
            elif tag in self.acked:
                result.sent.append(position)
            else:
                result.unsent.append(position)
        return result


def open_confirm_channel(amqp_uri: str, exchange: Exchange) -> tuple[Connection, Any, Producer]:
    """A new connection (one attempt, no retries: the timer is the retry), its channel in confirm
    mode, the exchange declared, and a producer for it."""
    connection = Connection(amqp_uri)
    try:
        connection.ensure_connection(max_retries=0)
        channel = connection.channel()
        channel.confirm_select()
        exchange(channel).declare()
    except Exception:
        connection.collect()
        raise
    return connection, channel, Producer(channel, exchange=exchange, auto_declare=False)


Opener = Callable[[str, Exchange], tuple[Connection, Any, Producer]]


class BrokerLink:
    """One connection, with a channel in confirm mode, publishing to one exchange; one user at a time."""

    def __init__(self, amqp_uri: str, exchange: Exchange, confirm_timeout: float,
                 opener: Opener = open_confirm_channel) -> None:
        self.amqp_uri = amqp_uri
        self.opener = opener
        self.exchange = exchange
        self.confirm_timeout = confirm_timeout
        self.lock = Semaphore(1)
        self.connection: Connection | None = None
        self.producer: Producer | None = None
        self.window = ConfirmWindow()

    def publish(self, messages: list[tuple[int, dict[str, Any]]], window: int) -> Outcome:
        """Publish ``(position, envelope)`` pairs ``window`` at a time; once one is left unsent (the
        broker nacked it, did not answer, or went away) the windows after it are left unsent too."""
        outcome = Outcome()
        for start in range(0, len(messages), window):
            some = messages[start:start + window]
            if outcome.unsent:
                outcome.unsent += [position for position, _ in some]
            else:
                outcome.add(self.publish_window(some))
        return outcome

    def publish_window(self, messages: list[tuple[int, dict[str, Any]]]) -> Outcome:
        """Publish ``(position, envelope)`` pairs, routed by event type, then wait for the broker.
        A connection opened earlier that turns out closed before the first message left is
        replaced once (the broker dropped it meanwhile: nothing of this window reached it)."""
        with self.lock:
            reused = self.connection is not None
            window = self._publish(messages)
            if reused and messages and not window.positions:
                window = self._publish(messages)
        outcome = window.outcome()
        handed = set(window.positions.values())
        outcome.unsent += [position for position, _ in messages if position not in handed]
        return outcome

    def _publish(self, messages: list[tuple[int, dict[str, Any]]]) -> ConfirmWindow:
        window = ConfirmWindow()
        try:
            self._open()
            self.window = window = ConfirmWindow(self.window.next_tag)
            for position, envelope in messages:
                self.producer.publish(envelope, routing_key=envelope["event_type"], delivery_mode=PERSISTENT,
                                      mandatory=True, headers={}, serializer="json",
                                      message_id=envelope["event_id"], retry=False,
                                      timeout=self.confirm_timeout)  # a broker that stopped reading
                window.published(position, envelope["event_id"])
            self._wait_for(window)
        except Exception:  # the broker went away, or did not answer in time: what it did not ack is unsent
            _log.warning("outbox relay: %s of %s messages published, %s of them unanswered",
                         len(window.positions), len(messages), len(window.pending), exc_info=True)
            self.drop()
        except BaseException:  # the worker was killed mid-frame: the connection cannot be read on
            self.drop()
            raise
        return window

    def _wait_for(self, window: ConfirmWindow) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while not window.answered:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no confirm within {self.confirm_timeout:g} s")
            self.connection.drain_events(timeout=remaining)

    def _open(self) -> None:
        if self.connection is not None:
            return
        self.connection, channel, self.producer = self.opener(self.amqp_uri, self.exchange)
        for event, name in ANSWERS:
            channel.events[event].add(self._to_window(name))
        self.window = ConfirmWindow()  # a new channel numbers from 1

    def _to_window(self, name: str) -> Callable[..., None]:
        return lambda *args: getattr(self.window, name)(*args)

    def drop(self) -> None:
        """Forget the connection without talking to the broker (it failed, or may be mid-frame)."""
        self._let_go(lambda connection: connection.collect())

    def close(self) -> None:
        """Close the connection politely (the service stops)."""
        self._let_go(lambda connection: connection.release())

    def _let_go(self, end: Callable[[Connection], None]) -> None:
        connection, self.connection, self.producer = self.connection, None, None
        if connection is not None:
            try:
                end(connection)
            except Exception:  # already gone: nothing left to close
                _log.debug("closing the relay's broker connection", exc_info=True)
