"""With QUEUE_TYPE=quorum every durable queue of the platform is a quorum queue, shown by the broker.

The proof is plain AMQP (no management plugin, no rabbitmqctl): each queue exists, a redeclaration
with the platform's own arguments is accepted, and one that differs only in ``x-queue-type`` is
refused with 406 PRECONDITION_FAILED naming the type the queue has. A queue of the other type where
the services start stops them, with what to do.
"""

import pytest
from amqp.exceptions import PreconditionFailed
from kombu import Connection

from shared.plumbing.consumer import dead_letter_queue_name, retry_exchange_name, retry_queue
from shared.plumbing.queue_types import QUEUE_TYPES, handler_queue_arguments, queue_arguments
from tests.conftest import free_port
from tests.support.processes import ServiceProcess, wait_until
from tools.access.declarations import platform_declarations

pytestmark = pytest.mark.e2e
OTHER = {"classic": "quorum", "quorum": "classic"}
SENT = {"classic": "'classic'", "quorum": "the value 'quorum' of type 'longstr'"}  # as a 406 quotes them


def platform_queues(services: tuple[str, ...], queue_type: str) -> dict[str, dict]:
    """Each queue the services declare, by kind, with the arguments the platform declares it with."""
    found: dict[str, dict] = {"rpc": {}, "handler": {}, "retry": {}, "dead-letter": {}}
    for service in (s for s in platform_declarations() if s.name in services):
        found["rpc"][f"rpc-{service.name}"] = queue_arguments(queue_type)
        found["dead-letter"][dead_letter_queue_name(service.name)] = queue_arguments(queue_type)
        for handler in service.handlers:
            found["handler"][handler.queue] = handler_queue_arguments(
                queue_type, (retry_exchange_name(service.name), dead_letter_queue_name(service.name)))
            retry = retry_queue(handler.queue, service.name, queue_type)
            found["retry"][retry.name] = retry.queue_arguments
    return found


def redeclared(amqp_uri: str, name: str, arguments: dict) -> str:
    """"ok", or the broker's refusal, for a durable declaration of ``name`` with ``arguments``."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        try:
            channel.queue_declare(name, durable=True, auto_delete=False, arguments=arguments)
            return "ok"
        except PreconditionFailed as refusal:
            return str(refusal)


def exists(amqp_uri: str, name: str) -> bool:
    with Connection(amqp_uri) as conn:
        try:
            conn.channel().queue_declare(name, passive=True)
            return True
        except Exception:  # 404 NOT_FOUND
            return False


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_every_kind_of_platform_queue_has_the_configured_type_on_the_broker(platform, queue_type):
    _, config, _ = platform
    amqp_uri = config["AMQP_URI"]
    vhost = Connection(amqp_uri).virtual_host
    queues = platform_queues(("registry", "reporting"), queue_type)
    assert {kind: len(names) for kind, names in queues.items()} == {
        "rpc": 2, "handler": 63, "retry": 63, "dead-letter": 2}
    for kind, names in queues.items():
        for name, arguments in names.items():
            assert exists(amqp_uri, name), f"{kind} queue {name} was not declared at start"
            assert redeclared(amqp_uri, name, arguments) == "ok"
            refusal = redeclared(amqp_uri, name, {**arguments, "x-queue-type": OTHER[queue_type]})
            assert refusal.startswith(  # the rest, the type it has, is cut short for long names
                f"Queue.declare: (406) PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue "
                f"'{name}' in vhost '{vhost}': received {SENT[OTHER[queue_type]]}"), refusal


def start_alone(clean_infra, tmp_path, service: str, **env: str) -> ServiceProcess:
    process = ServiceProcess(service, {"AMQP_URI": clean_infra.amqp_uri,
                                       f"{service.upper()}_DB_URL": clean_infra.db_url(service),
                                       f"{service.upper()}_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
                                       "CATCH_UP_INTERVAL": "0", **env}, tmp_path)
    return process.start()


def output_when_it_stopped(process: ServiceProcess, tmp_path) -> str:
    try:
        wait_until(lambda: not process.alive(), 60, f"{process.service} to give up")
    finally:
        process.kill()
    return (tmp_path / f"{process.service}-1.log").read_text()


def test_quorum_asked_where_the_queues_are_classic_stops_the_start_and_says_what_to_do(clean_infra,
                                                                                      tmp_path):
    assert redeclared(clean_infra.amqp_uri, "rpc-registry", {}) == "ok"  # left by a classic platform
    process = start_alone(clean_infra, tmp_path, "registry", QUEUE_TYPE="quorum")
    output = output_when_it_stopped(process, tmp_path)
    vhost = Connection(clean_infra.amqp_uri).virtual_host
    assert process.proc.returncode != 0
    assert (f"QUEUE_TYPE=quorum, but queue 'rpc-registry' on virtual host '{vhost}' is a classic queue, "
            f"and RabbitMQ cannot change a queue's type in place.") in output


def test_an_unknown_queue_type_stops_the_start_naming_the_setting(clean_infra, tmp_path):
    process = start_alone(clean_infra, tmp_path, "registry", QUEUE_TYPE="fast")
    output = output_when_it_stopped(process, tmp_path)
    assert process.proc.returncode != 0
    assert "QUEUE_TYPE must be one of classic, quorum, not 'fast'" in output
