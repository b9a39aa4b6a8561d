"""QUEUE_TYPE: read once, checked, and turned into every durable queue's declaration arguments."""

import pytest
from amqp.exceptions import PreconditionFailed

from shared.plumbing.consumer import dead_letter_queue, reliable_handler, retry_queue
from shared.plumbing.entrypoints import rpc
from shared.plumbing.queue_types import (
    InvalidQueueType,
    QueueTypeMismatch,
    configured_queue_type,
    explain_mismatch,
    queue_arguments,
)

QUORUM_DEAD_LETTERING = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


def refusal(current: str) -> PreconditionFailed:
    return PreconditionFailed(
        f"Queue.declare: (406) PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue "
        f"'rpc-registry' in vhost 'prod': received the value 'quorum' of type 'longstr' but current "
        f"is {current}")


@pytest.mark.parametrize("settings", [{}, {"QUEUE_TYPE": ""}, {"QUEUE_TYPE": "classic"}])
def test_queues_are_classic_unless_the_setting_says_otherwise(settings):
    assert configured_queue_type(settings) == "classic"


def test_quorum_is_read_whatever_its_case_and_spaces():
    assert configured_queue_type({"QUEUE_TYPE": " Quorum "}) == "quorum"


def test_an_unknown_queue_type_is_refused_naming_the_setting_and_the_choices():
    with pytest.raises(InvalidQueueType) as refused:
        configured_queue_type({"QUEUE_TYPE": "qourum"})
    assert str(refused.value) == "QUEUE_TYPE must be one of classic, quorum, not 'qourum'"


def test_a_classic_queue_is_declared_without_a_type_as_before_the_setting_existed():
    assert queue_arguments("classic") == {}
    assert retry_queue("evt-q", "reporting", "classic").queue_arguments == {
        "x-dead-letter-exchange": "reporting.retry", "x-dead-letter-routing-key": "evt-q"}


def test_a_quorum_queue_says_so_and_a_quorum_retry_queue_dead_letters_at_least_once():
    assert queue_arguments("quorum") == {"x-queue-type": "quorum"}
    assert dead_letter_queue("reporting", "quorum").queue_arguments == {"x-queue-type": "quorum"}
    assert retry_queue("evt-q", "reporting", "quorum").queue_arguments == {
        "x-queue-type": "quorum", "x-dead-letter-exchange": "reporting.retry",
        "x-dead-letter-routing-key": "evt-q", **QUORUM_DEAD_LETTERING}


class Tiny:
    name = "tiny"

    @rpc
    def ping(self) -> str:
        return "pong"

    @reliable_handler("registry", "birth_registered")
    def handle(self, body: dict) -> None:
        pass


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_a_services_rpc_and_handler_queues_take_the_configured_type(container_factory, queue_type):
    container = container_factory(Tiny, {"AMQP_URI": "memory://", "QUEUE_TYPE": queue_type})
    container.start()
    queues = {extension.queue.name: extension.queue.queue_arguments for extension in container.extensions
              if getattr(extension, "queue", None) is not None}
    assert queues == {"rpc-tiny": queue_arguments(queue_type),
                      "evt-registry-birth_registered--tiny.handle": HANDLER_ARGUMENTS[queue_type]}


HANDLER_ARGUMENTS = {"classic": {}, "quorum": {
    "x-queue-type": "quorum", "x-delivery-limit": 20, "x-dead-letter-exchange": "tiny.retry",
    "x-dead-letter-routing-key": "tiny.dead-letter", "x-dead-letter-strategy": "at-least-once",
    "x-overflow": "reject-publish"}}


def test_a_service_with_an_unknown_queue_type_does_not_start(container_factory):
    with pytest.raises(InvalidQueueType, match="QUEUE_TYPE must be one of classic, quorum"):
        container_factory(Tiny, {"AMQP_URI": "memory://", "QUEUE_TYPE": "fast"}).start()


@pytest.mark.parametrize("current", ["none", "'classic'"])
def test_a_classic_queue_where_quorum_is_asked_for_is_explained_with_what_to_do(current):
    mismatch = explain_mismatch(refusal(current), "quorum", "prod")
    assert isinstance(mismatch, QueueTypeMismatch)
    assert str(mismatch) == (
        "QUEUE_TYPE=quorum, but queue 'rpc-registry' on virtual host 'prod' is a classic queue, and "
        "RabbitMQ cannot change a queue's type in place. Either point every service at a new virtual "
        "host (AMQP_URI), or stop every service, let the queues drain (the handler, retry and "
        "dead-letter queues empty; replay dead letters first), delete them (rabbitmqctl delete_queue "
        "-p prod NAME) and start again; or set QUEUE_TYPE=classic to keep them.")


def test_a_quorum_queue_where_classic_is_asked_for_is_named_quorum():
    mismatch = explain_mismatch(refusal("the value 'quorum' of type 'longstr'"), "classic", "/")
    assert str(mismatch).startswith("QUEUE_TYPE=classic, but queue 'rpc-registry' on virtual host '/' "
                                    "is a quorum queue")


def test_a_refusal_cut_short_by_the_broker_still_says_what_to_do():
    cut = PreconditionFailed("Queue.declare: (406) PRECONDITION_FAILED - inequivalent arg 'x-queue-type' "
                             "for queue 'evt-protection-special_circumstance_rec")
    assert str(explain_mismatch(cut, "quorum", "prod")).startswith(
        "QUEUE_TYPE=quorum, but queue 'evt-protection-special_circumstance_rec...' on virtual host 'prod' "
        "is a classic queue, and RabbitMQ cannot change a queue's type in place.")


def test_a_refusal_about_another_argument_names_it_and_says_what_to_do():
    other = PreconditionFailed("Queue.declare: (406) PRECONDITION_FAILED - inequivalent arg "
                               "'x-delivery-limit' for queue 'q' in vhost '/': received '20' but current "
                               "is '30'")
    assert str(explain_mismatch(other, "quorum", "/")).startswith(
        "queue 'q' on virtual host '/' has another 'x-delivery-limit' than this version declares "
        "(inequivalent arg 'x-delivery-limit' for queue 'q' in vhost '/': received '20' but current is "
        "'30'), and RabbitMQ cannot change a queue's arguments in place.")


def test_a_refusal_that_is_not_about_arguments_is_left_as_the_broker_said_it():
    assert explain_mismatch(PreconditionFailed("unknown delivery tag 7"), "quorum", "/") is None
