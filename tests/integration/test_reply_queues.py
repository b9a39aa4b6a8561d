"""A service's RPC reply queue (the one its catch-up calls are answered on) is exclusive to its
connection: on a broker cluster it must go with the node it lived on, not block the service's
consumer, which the RPC queue shares, until that node is back."""

import pytest
from amqp.exceptions import ResourceLocked
from kombu import Connection, Queue

from shared.plumbing.entrypoints import PromptReplyListener


def reply_queue_name(container) -> str:
    (listener,) = [ext for ext in container.subextensions if isinstance(ext, PromptReplyListener)]
    return listener.queue.name


def test_the_reply_queue_of_a_running_service_is_refused_to_any_other_connection(reporting_container,
                                                                               service_config):
    name = reply_queue_name(reporting_container)
    with Connection(service_config("reporting")["AMQP_URI"]) as conn:
        with pytest.raises(ResourceLocked):
            Queue(name, exclusive=True, durable=False, no_declare=False)(conn.default_channel).queue_declare(
                passive=True)
