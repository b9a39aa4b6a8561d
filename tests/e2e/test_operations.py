"""What an operator meets: a group SIGTERM stops all five at once, and a platform that cannot start
says why instead of "platform up" (nothing listening, a refused login, a missing virtual host: each
with its fix, never with the password; a database it cannot upgrade, naming the service); the demo
says to start the platform instead of a traceback;
``make dead-letters`` says how many there are, 0 included."""

import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest
from kombu import Connection, Queue

from shared.plumbing.consumer import ATTEMPTS_HEADER, ERROR_HEADER, QUEUE_HEADER
from tests.conftest import free_port
from tests.support.platform import Platform, sqlite_urls
from tests.support.platform import platform_env as make_platform_env
from tests.support.processes import ROOT

pytestmark = pytest.mark.e2e
GROUP_STOP_SECONDS = 5  # what Kubernetes and systemd give before they SIGKILL (with margin)
WRONG_PASSWORD = "not-the-password-7f3a"


def broker_uri(amqp_uri: str, password: str | None = None, vhost: str | None = None,
               port: int | None = None) -> str:
    """``amqp_uri`` with another password, virtual host or port."""
    parts = urlsplit(amqp_uri)
    netloc = (f"{parts.username}:{password or parts.password}@{parts.hostname}:"
              f"{port or parts.port or 5672}")
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{vhost}" if vhost else parts.path))


def shown(amqp_uri: str) -> str:
    """``amqp_uri`` as the tools print it: the password hidden."""
    parts = urlsplit(amqp_uri)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{parts.hostname}:{parts.port}"))


def platform_env(clean_infra, tmp_path, **overrides) -> dict[str, str]:
    """Two services on PostgreSQL, three on their embedded SQLite."""
    urls = {**sqlite_urls(tmp_path), **{s: clean_infra.db_url(s) for s in ("registry", "reporting")}}
    return make_platform_env(clean_infra.amqp_uri, urls, CATCH_UP_INTERVAL="0", **overrides)


def test_one_sigterm_to_the_whole_process_group_stops_all_five_promptly(clean_infra, tmp_path):
    platform = Platform(platform_env(clean_infra, tmp_path), tmp_path / "run.log")
    platform.wait_up()
    status, took, leftovers = platform.stop(within=GROUP_STOP_SECONDS)
    output = platform.log.read_text()
    assert (status, leftovers, "Traceback" in output) == (0, "", False), f"stopped in {took:.1f} s"
    assert "EventletDeprecationWarning" not in output
    assert '"GET /healthz' not in output
    assert "Context impl" not in output  # alembic's chatter at each start


def test_a_taken_port_stops_the_start_with_the_reason(clean_infra, tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = platform_env(clean_infra, tmp_path, REGISTRY_WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
        result = subprocess.run([sys.executable, "-m", "tools.run_platform"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert (f"registry: port {port} on 127.0.0.1 is taken (Address already in use); stop what uses it "
            "or set REGISTRY_WEB_SERVER_ADDRESS") in result.stderr
    assert "platform up" not in result.stdout


def start_platform_with(clean_infra, tmp_path, amqp_uri: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.run_platform"], cwd=ROOT,
                          env=platform_env(clean_infra, tmp_path, AMQP_URI=amqp_uri),
                          capture_output=True, text=True, timeout=60)


def test_a_missing_virtual_host_stops_the_start_naming_the_commands_that_create_it(clean_infra, tmp_path):
    uri = broker_uri(clean_infra.amqp_uri, vhost="no-such-vhost")
    result = start_platform_with(clean_infra, tmp_path, uri)
    user = urlsplit(uri).username
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Cannot start the platform:\n  RabbitMQ at {shown(uri)} has no virtual host 'no-such-vhost' "
        "(NotAllowed): create it with `rabbitmqctl add_vhost no-such-vhost` and `rabbitmqctl "
        f"set_permissions -p no-such-vhost {user} '.*' '.*' '.*'`, or point AMQP_URI at a virtual host "
        "that exists.\n")


def test_a_wrong_password_stops_the_start_naming_the_login_and_hiding_the_password(clean_infra, tmp_path):
    uri = broker_uri(clean_infra.amqp_uri, password=WRONG_PASSWORD)
    result = start_platform_with(clean_infra, tmp_path, uri)
    user = urlsplit(uri).username
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Cannot start the platform:\n  RabbitMQ at {shown(uri)} refused the login of user '{user}' "
        "(AccessRefused): check the user and password in AMQP_URI.\n")
    assert WRONG_PASSWORD not in result.stderr


def test_a_broker_that_is_not_there_stops_the_start_saying_make_broker(clean_infra, tmp_path):
    uri = broker_uri(clean_infra.amqp_uri, port=free_port())  # nothing listens on a port just freed
    result = start_platform_with(clean_infra, tmp_path, uri)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Cannot start the platform:\n  Nothing listens at {shown(uri)} (ConnectionRefusedError: [Errno "
        "111] Connection refused): start a RabbitMQ with `make broker`, or point AMQP_URI at yours.\n")


def test_a_database_that_cannot_be_upgraded_stops_the_start_naming_the_service(clean_infra, tmp_path):
    env = platform_env(clean_infra, tmp_path, HEALTH_DB_URL=f"postgresql+psycopg2://postgres@127.0.0.1:"
                                                             f"{free_port()}/health")
    result = subprocess.run([sys.executable, "-m", "tools.run_platform"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, "platform up" in result.stdout) == (2, False)
    assert result.stderr.startswith("Cannot start the platform: health: the database upgrade failed: "
                                    "OperationalError: (psycopg2.OperationalError) connection to server at "
                                    '"127.0.0.1", port ')


def test_the_demo_with_a_wrong_password_names_the_login_and_hides_the_password(clean_infra):
    uri = broker_uri(clean_infra.amqp_uri, password=WRONG_PASSWORD)
    result = subprocess.run([sys.executable, "-m", "tools.demo"], cwd=ROOT, timeout=60,
                            env={**os.environ, "AMQP_URI": uri}, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"RabbitMQ at {shown(uri)} refused the login of user "
                             f"'{urlsplit(uri).username}' (AccessRefused): check the user and password "
                             "in AMQP_URI.\n")
    assert WRONG_PASSWORD not in result.stderr


def test_the_demo_without_a_platform_says_to_start_it(clean_infra):
    result = subprocess.run([sys.executable, "-m", "tools.demo"], cwd=ROOT, timeout=60,
                            env={**os.environ, "AMQP_URI": clean_infra.amqp_uri},
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("The platform is not running: start `make run` first")
    assert "Traceback" not in result.stderr


def list_dead_letters(amqp_uri: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.dead_letters", "list", "--service", "reporting"],
                          cwd=ROOT, env={**os.environ, "AMQP_URI": amqp_uri}, capture_output=True, text=True,
                          timeout=60)


def test_make_dead_letters_with_none_says_0_dead_letters(clean_infra):
    result = list_dead_letters(clean_infra.amqp_uri)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "0 dead letters in reporting.dead-letter\n"


def test_make_dead_letters_lists_each_one_then_the_count(clean_infra):
    with Connection(clean_infra.amqp_uri) as conn:
        queue = Queue("reporting.dead-letter", durable=True)
        conn.Producer().publish(
            {"event_type": "birth_registered", "event_id": "e1"}, routing_key="reporting.dead-letter",
            declare=[queue], headers={ATTEMPTS_HEADER: 5, QUEUE_HEADER: "evt-q",
                                      ERROR_HEADER: "KeyError: 'x'"})
    result = list_dead_letters(clean_infra.amqp_uri)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        '{"event_type": "birth_registered", "event_id": "e1", "attempts": 5, "queue": "evt-q", '
        '"error": "KeyError: \'x\'"}\n1 dead letter in reporting.dead-letter\n')
