"""The broker itself refuses what a user may not do (ACCESS_REFUSED, asserted word for word): a sector
system calling another sector's RPC, reading any service's queue or binding another sector's
requests; anyone but the owner publishing to a ``<source>.events``; anyone but an administrator
writing to the default exchange. And what they may do still works: the health system calls a running
health service, and ``make run``'s platform, every service under its own user, carries a birth to
reporting and dead-letters a poison event that reporting's own user then lists.

These need a broker the tests can administer (rabbitmqctl here, or ``RABBITMQ_MANAGEMENT_URL``):
skipped otherwise, and FAILED under ``CI=true``. Users get a prefix of their own and are deleted after.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Queue

from tests.conftest import free_port
from tests.support.factories import make_birth, make_birth_envelope
from tests.support.identities import cluster_proxy, everyone
from tests.support.infra import unavailable
from tests.support.platform import SESSION_ACCESS_DIR, SESSION_USER_PREFIX, platform_env, platform_running
from tests.support.processes import ROOT, ServiceProcess, wait_ready, wait_until
from tests.support.wire import raw_rpc
from tools.access.broker_commands import ADMIN_FIX
from tools.access.declarations import PLATFORM_SERVICES
from tools.access.passwords import PasswordStore
from tools.access.rabbitmq import Rabbitmqctl, administrator, virtual_host
from tools.access.users import add_system, definitions_document, service_users, with_login

pytestmark = pytest.mark.e2e
SOURCES = ("registry", "health", "education", "protection")
REPORTING_BIRTHS = "evt-registry-birth_registered--reporting.handle_registry_birth_registered"
SYSTEM_FORBIDDEN_QUEUES = (REPORTING_BIRTHS, f"{REPORTING_BIRTHS}.retry", "reporting.dead-letter",
                           "rpc-protection", "rpc-health")


@pytest.fixture(scope="module")
def admin(infra):
    found = administrator(infra.amqp_uri)
    problem = found.problem()
    if problem:
        unavailable(f"cannot administer the test broker ({problem}): {ADMIN_FIX}",
                    "broker permissions must be tested")
    return found


@pytest.fixture(scope="module")
def logins(admin, infra, tmp_path_factory):
    """Every service's user and the health system's ("his"), by short name: their AMQP URIs."""
    prefix, store = f"t{uuid.uuid4().hex[:8]}-", PasswordStore(tmp_path_factory.mktemp("access"))
    users = service_users(store, prefix) + [add_system(store, prefix, "his", ["health"]),
                                            add_system(store, prefix, "clerk", ["registry", "reporting"])]
    admin.apply([(grant, credentials.password) for grant, credentials in users])
    yield {credentials.user.removeprefix(prefix).removeprefix("system-"):
           with_login(infra.amqp_uri, credentials.user, credentials.password) for _, credentials in users}
    admin.delete_users(credentials.user for _, credentials in users)


def user_of(uri: str) -> str:
    return uri.split("://", 1)[1].split(":", 1)[0]


def refusal(uri: str, act) -> str:
    """What the broker answers ``act(connection)`` done as ``uri``'s user: its refusal, or "allowed"."""
    try:
        with Connection(uri, transport_options={"confirm_publish": True}) as conn:
            act(conn)
    except AccessRefused as error:
        return error.reply_text
    return "allowed"


def refused(uri: str, resource: str) -> str:
    vhost = virtual_host(uri)
    return f"ACCESS_REFUSED - access to {resource} in vhost '{vhost}' refused for user '{user_of(uri)}'"


def publish(exchange: str, routing_key: str):
    return lambda conn: conn.Producer().publish({"args": [], "kwargs": {}}, exchange=exchange,
                                                routing_key=routing_key)


def consume(queue: str):
    return lambda conn: conn.channel().basic_consume(queue, callback=lambda message: None)


def bind_reply_queue(routing_key: str):
    def act(conn):
        channel = conn.channel()
        name = f"rpc.reply-standalone_rpc_proxy-{uuid.uuid4()}"
        channel.queue_declare(name, auto_delete=True)
        channel.queue_bind(name, "nameko-rpc", routing_key)
    return act


def call(uri: str, service: str, method: str, *args):
    """One RPC as a sector system makes it (nameko's standalone proxy): the one place calls are made."""
    with cluster_proxy({"AMQP_URI": uri}, timeout=10) as rpc:
        return getattr(getattr(rpc, service), method)(*args)


@pytest.fixture
def platform_queues(clean_infra):
    """The exchanges and queues the refusals are about, declared as the services declare them."""
    with Connection(clean_infra.amqp_uri) as conn:
        channel = conn.channel()
        for source in SOURCES:
            Exchange(f"{source}.events", type="topic", durable=True)(channel).declare()
        for name in SYSTEM_FORBIDDEN_QUEUES:
            Queue(name, durable=True)(channel).declare()
    return clean_infra


def test_the_health_system_may_not_call_a_protection_rpc(logins, platform_queues):
    answer = refusal(logins["his"], publish("nameko-rpc", "protection.get_case"))
    assert answer == refused(logins["his"], "topic 'protection.get_case' in exchange 'nameko-rpc'")


@pytest.mark.parametrize("source", SOURCES)
def test_only_the_owner_may_publish_to_its_events_exchange(logins, platform_queues, source):
    answers = {name: refusal(uri, publish(f"{source}.events", "birth_registered"))
               for name, uri in logins.items()}
    assert answers == {name: "allowed" if name == source else
                       refused(uri, f"exchange '{source}.events'") for name, uri in logins.items()}


@pytest.mark.parametrize("queue", SYSTEM_FORBIDDEN_QUEUES)
def test_a_sector_system_may_not_read_any_service_queue(logins, platform_queues, queue):
    assert refusal(logins["his"], consume(queue)) == refused(logins["his"], f"queue '{queue}'")


@pytest.mark.parametrize("key", ["protection.*", "health.*", "#"])
def test_a_sector_system_may_not_bind_to_others_requests(logins, platform_queues, key):
    answer = refusal(logins["his"], bind_reply_queue(key))
    assert answer == refused(logins["his"], f"topic '{key}' in exchange 'nameko-rpc'")


def test_a_sector_system_may_bind_its_reply_queue_with_a_uuid(logins, platform_queues):
    assert refusal(logins["his"], bind_reply_queue(str(uuid.uuid4()))) == "allowed"


def test_nobody_but_an_administrator_may_write_to_the_default_exchange(logins, platform_queues):
    answers = {name: refusal(uri, publish("", "rpc-protection")) for name, uri in logins.items()}
    assert answers == {name: refused(uri, "exchange 'amq.default'") for name, uri in logins.items()}
    assert refusal(platform_queues.amqp_uri, publish("", "rpc-protection")) == "allowed"


def test_reporting_may_not_read_a_followers_queue(logins, platform_queues):
    queue = "evt-registry-birth_registered--health.handle_registry_birth_registered"
    with Connection(platform_queues.amqp_uri) as conn:
        Queue(queue, durable=True)(conn.channel()).declare()
    assert refusal(logins["reporting"], consume(queue)) == refused(logins["reporting"], f"queue '{queue}'")


def test_the_health_system_calls_a_health_service_running_as_its_own_user(logins, clean_infra, tmp_path):
    env = {"AMQP_URI": logins["health"], "HEALTH_DB_URL": clean_infra.db_url("health"),
           "HEALTH_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}", "CATCH_UP_INTERVAL": "0"}
    health = ServiceProcess("health", env, tmp_path).start()
    try:
        wait_ready({"AMQP_URI": logins["his"]}, "health", "events_since", 0, 1)
        assert call(logins["his"], "health", "events_since", 0, 10) == []
        answer = raw_rpc(clean_infra.amqp_uri, "health", "events_since", [0, 10], token=everyone(),
                         reply_key="smoke-reply-1")  # the caller's own naming: answered
        assert (answer["error"], answer["result"]) == (None, [])
        with pytest.raises(TimeoutError):  # a reply into protection's RPC queue: the broker refuses it
            raw_rpc(clean_infra.amqp_uri, "health", "events_since", [0, 10], token=everyone(), timeout=3,
                    reply_key="protection.get_case")
        assert call(logins["his"], "health", "events_since", 0, 10) == []  # and it goes on answering
        assert health.alive()
    finally:
        health.stop()


def test_a_system_added_by_command_gets_a_working_amqp_uri(admin, infra, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    env = {**os.environ, "AMQP_URI": infra.amqp_uri, "BROKER_USER_PREFIX": prefix,
           "ECD_ACCESS_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "tools.access", "system", "add", "portal", "--sector",
                             "reporting", "--sector", "protection"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    try:
        assert (result.returncode, result.stderr) == (0, "")
        added = json.loads(result.stdout)
        password = PasswordStore(tmp_path).read(f"{prefix}system-portal").password
        assert added == {"user": f"{prefix}system-portal", "sectors": ["protection", "reporting"],
                         "amqp_uri": with_login(infra.amqp_uri, f"{prefix}system-portal", password),
                         "secret_name": f"{prefix}system-portal-amqp",
                         "password_file": str(tmp_path / f"{prefix}system-portal.json")}
        assert refusal(added["amqp_uri"], publish("nameko-rpc", "reporting.view_stats")) == "allowed"
        assert refusal(added["amqp_uri"], publish("nameko-rpc", "health.record_growth")) == refused(
            added["amqp_uri"], "topic 'health.record_growth' in exchange 'nameko-rpc'")
    finally:
        admin.delete_users([f"{prefix}system-portal"])


def test_the_definitions_file_imported_by_rabbitmq_lets_each_user_in_with_its_password(admin, infra,
                                                                                          tmp_path):
    if not isinstance(admin, Rabbitmqctl):
        pytest.skip("importing a definitions file is checked with rabbitmqctl")
    prefix, store = f"t{uuid.uuid4().hex[:8]}-", PasswordStore(tmp_path)
    users = service_users(store, prefix)
    document = definitions_document(users, infra.amqp_uri)
    imported = subprocess.run(["rabbitmqctl", "-q", "import_definitions", "--format", "json"],
                              input=json.dumps(document),
                              capture_output=True, text=True, timeout=60)
    try:
        assert imported.returncode == 0, imported.stderr
        uris = {c.user: with_login(infra.amqp_uri, c.user, c.password) for _, c in users}
        reply = publish("nameko-rpc", str(uuid.uuid4()))  # what every service may do: answer a caller
        assert {user: refusal(uri, reply) for user, uri in uris.items()} == {user: "allowed" for user in uris}
        assert refusal(uris[f"{prefix}health"], publish("", "rpc-health")) == refused(
            uris[f"{prefix}health"], "exchange 'amq.default'")
    finally:
        admin.delete_users(c.user for _, c in users)


def session_login(amqp_uri: str, service: str) -> str:
    """The AMQP URI ``make run`` gave ``service`` in this test session."""
    user = f"{SESSION_USER_PREFIX}{service}"
    return with_login(amqp_uri, user, PasswordStore(SESSION_ACCESS_DIR).read(user).password)


def connected_users(vhost: str) -> set[str]:
    listed = subprocess.run(["rabbitmqctl", "-q", "list_connections", "user", "vhost", "--no-table-headers"],
                            capture_output=True, text=True, timeout=60).stdout
    return {line.split("\t")[0] for line in listed.splitlines() if line.endswith(f"\t{vhost}")}


def test_make_run_runs_each_service_as_its_own_user_and_still_carries_a_birth(logins, clean_infra, tmp_path):
    env = platform_env(clean_infra.amqp_uri, {s: clean_infra.db_url(s) for s in PLATFORM_SERVICES},
                       CATCH_UP_INTERVAL="0", EVENT_RETRY_DELAY_MS="50")
    with platform_running(env, tmp_path / "run.log") as platform:
        log = platform.log.read_text()
        assert f"broker users: each service runs as its own ({SESSION_USER_PREFIX}<service>" in log
        if isinstance(administrator(clean_infra.amqp_uri), Rabbitmqctl):
            assert {f"{SESSION_USER_PREFIX}{s}" for s in PLATFORM_SERVICES} <= connected_users(
                virtual_host(clean_infra.amqp_uri))
        call(logins["clerk"], "registry", "register_birth", make_birth())
        [answer] = call(logins["clerk"], "registry", "register_births", [make_birth()])  # its batch twin
        assert answer["status"] == "accepted"
        assert wait_until(lambda: call(logins["clerk"], "reporting", "view_stats")["registered"] == 2, 30,
                          "both births in reporting")
        with Connection(clean_infra.amqp_uri) as conn:  # a poison event: reporting retries, then parks it
            conn.Producer().publish(dict(make_birth_envelope(), schema_version=2),
                                    routing_key="birth_registered",
                                    exchange=Exchange("registry.events", type="topic", durable=True))
        reporting = {**os.environ, "AMQP_URI": session_login(clean_infra.amqp_uri, "reporting")}

        def parked() -> str:
            listed = subprocess.run([sys.executable, "-m", "tools.dead_letters", "list"], cwd=ROOT,
                                    env=reporting, capture_output=True, text=True, timeout=60)
            return listed.stdout if listed.stdout.endswith("1 dead letter in reporting.dead-letter\n") else ""

        assert json.loads(wait_until(parked, 30, "the poison event parked").splitlines()[0])["attempts"] == 6


def test_make_run_that_cannot_administer_the_broker_says_why_and_runs_as_amqp_uris_user(clean_infra,
                                                                                        tmp_path):
    port = free_port()
    env = platform_env(clean_infra.amqp_uri, {s: clean_infra.db_url(s) for s in PLATFORM_SERVICES},
                       CATCH_UP_INTERVAL="0", RABBITMQ_MANAGEMENT_URL=f"http://admin:hidden-pw@127.0.0.1:{port}/")
    with platform_running(env, tmp_path / "run.log") as platform:
        log = platform.log.read_text()
    assert (f"warning: every service runs as the user of AMQP_URI: cannot set their own broker users (the "
            f"management API at http://127.0.0.1:{port} does not answer (<urlopen error [Errno 111] "
            f"Connection refused>)); {ADMIN_FIX}.\n") in log
    assert ("hidden-pw" in log, "broker users:" in log) == (False, False)


def test_make_run_never_resets_a_broker_user_another_checkout_made(admin, infra, tmp_path, monkeypatch,
                                                                   capsys):
    from tools import run_platform

    prefix = f"t{uuid.uuid4().hex[:8]}-"
    theirs = PasswordStore(tmp_path / "theirs").credentials(f"{prefix}registry")
    grants = [grant for grant, _ in service_users(PasswordStore(tmp_path / "x"), prefix)]
    admin.apply([(grant, theirs.password) for grant in grants if grant.user == theirs.user])
    monkeypatch.setenv("BROKER_USER_PREFIX", prefix)
    monkeypatch.setenv("ECD_ACCESS_DIR", str(tmp_path / "mine"))
    try:
        assert run_platform.broker_users(infra.amqp_uri) == {}
        warning = capsys.readouterr().err
        assert (f"the broker users {prefix}registry exist already with passwords this checkout does not "
                "hold") in warning
        with Connection(with_login(infra.amqp_uri, theirs.user, theirs.password)) as conn:
            conn.connect()  # its owner's password still opens it
    finally:
        admin.delete_users([theirs.user])
