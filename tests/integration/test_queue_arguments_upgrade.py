"""A queue left with other arguments than the platform declares now (an earlier version's, or a
changed DELIVERY_LIMIT) must stop the start with what to do, like a queue of the other type does,
not leave the service retrying the declaration for ever."""

import eventlet
import pytest
from kombu import Connection

from shared.plumbing.consumer import reliable_handler
from shared.plumbing.queue_types import queue_arguments

HANDLER_QUEUE = "evt-registry-birth_registered--tiny.handle"


class Tiny:
    name = "tiny"

    @reliable_handler("registry", "birth_registered")
    def handle(self, body: dict) -> None:
        pass


def test_a_quorum_handler_queue_made_before_the_delivery_limit_stops_the_start(container_factory,
                                                                               service_config):
    config = service_config("reporting", QUEUE_TYPE="quorum")
    with Connection(config["AMQP_URI"]) as conn:  # as the merge 58cb431 declared it on quorum
        conn.channel().queue_declare(HANDLER_QUEUE, durable=True, auto_delete=False,
                                     arguments=queue_arguments("quorum"))
    container = container_factory(Tiny, config)
    with eventlet.Timeout(20, AssertionError("the start still waits on the refused declaration")):
        with pytest.raises(RuntimeError, match="has another 'x-dead-letter-exchange' than this version"):
            container.start()  # nameko's start returns; the failed consumer then stops the container
            container.wait()
