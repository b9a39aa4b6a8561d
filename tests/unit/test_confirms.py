"""Publishing a window with publisher confirms, on a fake channel that answers as RabbitMQ does: a
window goes out whole before one wait; acks (one or ``multiple``), nacks and returns decide which
outbox positions are sent, unrouted or unsent; a silent or lost connection leaves the rest unsent."""

from collections import defaultdict

from amqp import Message
from kombu import Exchange

from shared.plumbing.confirms import BrokerLink, ConfirmWindow, Outcome
from tests.support.factories import make_birth_envelope


class FakeChannel:
    """A connection, its channel in confirm mode and a producer in one. ``drain_events`` delivers the
    next scripted answer; with none left it times out, as a silent broker does."""

    def __init__(self, answers=(), fail_at: int | None = None) -> None:
        self.events = defaultdict(set)
        self.answers = list(answers)
        self.fail_at = fail_at  # the n-th publish (1-based) finds the connection gone
        self.published: list[tuple[dict, dict]] = []
        self.drained_after: list[int] = []
        self.closed = False

    def publish(self, body: dict, **options) -> None:
        if len(self.published) + 1 == self.fail_at:
            raise ConnectionResetError("connection reset by peer")
        self.published.append((body, options))

    def drain_events(self, timeout: float) -> None:
        self.drained_after.append(len(self.published))
        if not self.answers:
            raise TimeoutError("timed out")
        event, *args = self.answers.pop(0)
        for callback in self.events[event]:
            callback(*args)

    def collect(self) -> None:
        self.closed = True

    release = collect


def ack(tag: int, multiple: bool = False) -> tuple:
    return ("basic_ack", tag, multiple)


def nack(tag: int, multiple: bool = False) -> tuple:
    return ("basic_nack", tag, multiple)


def returned(envelope: dict) -> tuple:
    return ("basic_return", Exception("NO_ROUTE"), "registry.events", envelope["event_type"],
            Message(b"{}", message_id=envelope["event_id"]))


def a_link(*channels: FakeChannel) -> BrokerLink:
    opened = iter(channels)
    return BrokerLink("amqp://fake", Exchange("registry.events", type="topic"), confirm_timeout=5,
                      opener=lambda uri, exchange: (channel := next(opened), channel, channel))


def outbox(*positions: int) -> list[tuple[int, dict]]:
    return [(position, make_birth_envelope()) for position in positions]


def test_a_window_goes_out_whole_then_multiple_acks_confirm_it():
    channel = FakeChannel([ack(3, multiple=True), ack(5, multiple=True)])
    assert a_link(channel).publish_window(outbox(11, 12, 13, 14, 15)) == Outcome(sent=[11, 12, 13, 14, 15])
    assert channel.drained_after == [5, 5]


def test_each_message_goes_out_as_consumers_expect_it():
    channel = FakeChannel([ack(1)])
    [(position, envelope)] = outbox(7)
    a_link(channel).publish_window([(position, envelope)])
    assert channel.published == [(envelope, {
        "routing_key": "birth_registered", "delivery_mode": 2, "mandatory": True, "headers": {},
        "serializer": "json", "message_id": envelope["event_id"], "retry": False, "timeout": 5})]


def test_a_returned_message_is_unrouted_a_nacked_one_unsent_and_the_others_sent():
    messages = outbox(10, 11, 12, 13, 14)
    channel = FakeChannel([returned(messages[1][1]), ack(2, multiple=True), nack(3), ack(5, multiple=True)])
    assert a_link(channel).publish_window(messages) == Outcome(sent=[10, 13, 14], unrouted=[11], unsent=[12])


def test_an_ack_the_window_already_had_or_never_sent_changes_nothing():
    window = ConfirmWindow(first_tag=4)
    window.published(20, "a")
    window.published(21, "b")
    window.on_ack(3, multiple=True)  # a tag from before this window
    window.on_nack(4, multiple=False)
    window.on_ack(5, multiple=True)  # covers 4 too, already nacked
    assert (window.answered, window.outcome()) == (True, Outcome(sent=[21], unsent=[20]))


def test_what_the_broker_leaves_unanswered_is_unsent_and_the_next_window_uses_a_new_connection():
    silent, fresh = FakeChannel([ack(2, multiple=True)]), FakeChannel([ack(1)])
    link = a_link(silent, fresh)
    assert link.publish_window(outbox(1, 2, 3, 4)) == Outcome(sent=[1, 2], unsent=[3, 4])
    assert silent.closed
    assert link.publish_window(outbox(3)) == Outcome(sent=[3])  # the new channel numbers from 1 again


def test_a_connection_lost_mid_window_leaves_the_window_unsent():
    lost = FakeChannel([ack(2, multiple=True)], fail_at=3)
    assert a_link(lost).publish_window(outbox(1, 2, 3, 4)) == Outcome(unsent=[1, 2, 3, 4])
    assert (len(lost.published), lost.drained_after, lost.closed) == (2, [], True)


def test_a_connection_found_closed_before_the_window_left_is_replaced_once():
    stale, fresh = FakeChannel([ack(1)], fail_at=2), FakeChannel([ack(2, multiple=True)])
    link = a_link(stale, fresh)
    assert link.publish_window(outbox(1)) == Outcome(sent=[1])
    assert link.publish_window(outbox(2, 3)) == Outcome(sent=[2, 3])
    assert (len(stale.published), len(fresh.published), stale.closed) == (1, 2, True)


def test_windows_follow_one_another_until_one_is_left_unsent():
    channel = FakeChannel([ack(2, multiple=True), ack(3), nack(4), ack(5)])
    outcome = a_link(channel).publish(outbox(*range(1, 10)), window=2)
    assert outcome == Outcome(sent=[1, 2, 3], unsent=[4, 5, 6, 7, 8, 9])
    assert len(channel.published) == 4
