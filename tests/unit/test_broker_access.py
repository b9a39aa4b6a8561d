"""Broker users' permissions, derived from the services' own declarations, without a broker: the exact
regexes of one service and one system, nobody's write on the default exchange, the definitions file,
stored passwords (stable, 0600, never in a git-tracked file) and the management API's requests."""

import base64
import hashlib
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from shared.contracts.batches import batch_rpc_name
from shared.kit.sector import write_rpcs
from tools.access.broker import (
    DEFAULT_EXCHANGE,
    REPLY_KEY,
    UUID,
    Grant,
    TopicGrant,
    check_no_default_exchange,
    definitions,
    password_hash,
    service_grant,
    system_grant,
)
from tools.access.declarations import PLATFORM_SERVICES, HandlerQueue, platform_declarations, service_class
from tools.access.passwords import PasswordStore
from tools.access.rabbitmq import ManagementApi
from tools.access.users import service_users

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_EVENTS = ("birth_registered", "death_recorded", "identity_linked", "identity_unlinked",
                   "insurance_card_issued", "provisional_child_recorded", "record_voided",
                   "residence_changed")


@pytest.fixture(scope="module")
def declared():
    return {declaration.name: declaration for declaration in platform_declarations()}


FOLLOWED = ("record_voided", "referral_accepted", "referral_completed", "referral_declined", "referral_sent")
HEALTH_FOLLOWS = sorted([("registry", e) for e in (*REGISTRY_EVENTS, *FOLLOWED[1:])]
                        + [(source, e) for source in ("education", "protection") for e in FOLLOWED])
REGISTRY_FOLLOWS = sorted((source, e) for source in ("education", "health", "protection")
                          for e in (*FOLLOWED, "provisional_child_recorded"))


def handler_queues(service: str, pairs) -> str:
    queues = []
    for source, event_type in pairs:
        queue = rf"evt-{source}-{event_type}--{service}\.handle_{source}_{event_type}"
        queues += [queue, rf"{queue}\.retry"]
    return "|".join(queues)


def test_each_service_declares_what_it_does_on_the_broker(declared):
    health, registry, reporting = declared["health"], declared["registry"], declared["reporting"]
    assert health.calls == (("education", "referral_events_since"), ("protection", "referral_events_since"),
                            ("registry", "events_since"), ("registry", "referral_events_since"))
    assert registry.calls == tuple((source, log) for source in ("education", "health", "protection")
                                   for log in ("provisional_events_since", "referral_events_since"))
    assert reporting.calls == tuple((source, "events_since")
                                    for source in ("education", "health", "protection", "registry"))
    assert [(h.source, h.event_type) for h in health.handlers] == HEALTH_FOLLOWS
    assert HandlerQueue("registry", "birth_registered",
                        "evt-registry-birth_registered--health.handle_registry_birth_registered",
                        True) in health.handlers
    assert (registry.publishes_events, reporting.publishes_events) == (True, False)
    assert (registry.parks_dead_letters, health.parks_dead_letters) == (True, True)
    assert "record_vaccination" in health.rpc_methods and "events_since" in health.rpc_methods
    assert {"refer_child", "accept_referral", "referral_inbox"} <= set(registry.rpc_methods)
    assert len(reporting.retired_queues) == 10


def test_the_health_service_may_touch_only_its_own_queues_and_exchanges(declared):
    own = (rf"rpc-health|rpc\.reply-health-{UUID}|{handler_queues('health', HEALTH_FOLLOWS)}|"
           r"health\.dead-letter")
    followed = r"education\.events|protection\.events|registry\.events"
    assert service_grant(declared["health"], "ecd-") == Grant(
        user="ecd-health",
        configure=rf"^(nameko-rpc|health\.events|health\.retry|{followed}|{own})$",
        write=rf"^(nameko-rpc|health\.events|health\.retry|{own})$",
        read=rf"^(nameko-rpc|{followed}|health\.retry|{own})$",
        topics=(TopicGrant("nameko-rpc", write=rf"^({REPLY_KEY}|education\.referral_events_since|"
                                               r"protection\.referral_events_since|registry\.events_since|"
                                               r"registry\.referral_events_since)$",
                           read=rf"^(health\.\*|{UUID})$"),))


def test_the_registry_publishes_its_events_answers_calls_and_follows_only_the_others_referrals_and_newborns(
        declared):
    own = (rf"rpc-registry|rpc\.reply-registry-{UUID}|{handler_queues('registry', REGISTRY_FOLLOWS)}|"
           r"registry\.dead-letter")
    followed = r"education\.events|health\.events|protection\.events"
    assert service_grant(declared["registry"], "ecd-") == Grant(
        user="ecd-registry",
        configure=rf"^(nameko-rpc|registry\.events|registry\.retry|{followed}|{own})$",
        write=rf"^(nameko-rpc|registry\.events|registry\.retry|{own})$",
        read=rf"^(nameko-rpc|{followed}|registry\.retry|{own})$",
        topics=(TopicGrant("nameko-rpc", write=rf"^({REPLY_KEY}|education\.provisional_events_since|"
                                               r"education\.referral_events_since|health\.provisional_events_since|"
                                               r"health\.referral_events_since|protection\.provisional_events_since|"
                                               r"protection\.referral_events_since)$",
                           read=r"^(registry\.\*|" + UUID + r")$"),))


def test_reporting_calls_exactly_each_sources_events_since(declared):
    (topic,) = service_grant(declared["reporting"], "ecd-").topics
    assert topic.write == (rf"^({REPLY_KEY}|education\.events_since|health\.events_since|"
                           r"protection\.events_since|registry\.events_since)$")


def test_a_health_system_may_call_health_rpcs_and_read_only_its_reply_queue():
    own = rf"^(nameko-rpc|rpc\.reply-standalone_rpc_proxy-{UUID})$"
    assert system_grant("his", ["health"], PLATFORM_SERVICES, "ecd-") == Grant(
        user="ecd-system-his", configure=own, write=own, read=own,
        topics=(TopicGrant("nameko-rpc", write=r"^health\.[a-z_]+$", read=f"^{UUID}$"),))


def test_a_sector_system_may_call_every_batch_write_of_its_sector_and_none_of_another(declared):
    [topic] = system_grant("his", ["health"], PLATFORM_SERVICES, "ecd-").topics
    twins = sorted(batch_rpc_name(name) for name in write_rpcs(service_class("health")))
    assert {"record_vaccinations", "refer_children", "void_records"} <= set(twins)
    assert set(twins) <= set(declared["health"].rpc_methods)
    assert [bool(re.fullmatch(topic.write, f"health.{twin}")) for twin in twins] == [True] * len(twins)
    assert not re.fullmatch(topic.write, "registry.register_births")


def test_a_portal_of_two_sectors_may_call_both():
    grant = system_grant("portal", ["reporting", "protection", "reporting"], PLATFORM_SERVICES, "ecd-")
    assert grant.topics[0].write == r"^(protection|reporting)\.[a-z_]+$"


@pytest.mark.parametrize("name, sectors, message", [
    ("his", ["police"], "a system's sectors are among education, health, protection, registry, "
                        "reporting; got ['police']"),
    ("his", [], "a system's sectors are among education, health, protection, registry, reporting; got none"),
    ("HIS tool", ["health"], "a system's name is lower-case letters, digits, '_' and '-': 'HIS tool'"),
])
def test_a_system_with_an_unknown_sector_or_a_bad_name_is_refused(name, sectors, message):
    with pytest.raises(ValueError) as refused:
        system_grant(name, sectors, PLATFORM_SERVICES, "ecd-")
    assert str(refused.value) == message


def test_nobody_may_write_to_or_configure_the_default_exchange(declared):
    grants = [service_grant(d, "ecd-") for d in declared.values()]
    grants.append(system_grant("portal", PLATFORM_SERVICES, PLATFORM_SERVICES, "ecd-"))
    for grant in grants:
        assert (re.search(grant.write, DEFAULT_EXCHANGE), re.search(grant.configure, DEFAULT_EXCHANGE)) == (
            None, None), grant.user
    with pytest.raises(ValueError) as refused:
        check_no_default_exchange(Grant("ecd-admin-ish", "^$", ".*", ".*"))
    assert str(refused.value) == "ecd-admin-ish would get write on amq.default: administrators only"


def test_only_the_registry_may_write_to_registry_events_and_only_reporting_reads_its_queues(declared):
    grants = {d.name: service_grant(d, "ecd-") for d in declared.values()}
    grants["his"] = system_grant("his", ["health"], PLATFORM_SERVICES, "ecd-")
    writers = {name for name, grant in grants.items() if re.search(grant.write, "registry.events")}
    readers = {name for name, grant in grants.items()
               if re.search(grant.read, "evt-registry-birth_registered--reporting.handle_registry_"
                                        "birth_registered")}
    assert (writers, readers) == ({"registry"}, {"reporting"})


def test_the_password_hash_is_rabbitmqs_salted_sha256():
    documented = "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR"  # RabbitMQ's docs: "test12"
    assert password_hash("test12", base64.b64decode(documented)[:4]) == documented
    fresh = base64.b64decode(password_hash("s3cret"))
    assert fresh[4:] == hashlib.sha256(fresh[:4] + b"s3cret").digest()


def test_the_definitions_file_holds_exact_permissions_and_no_password(declared):
    health = service_grant(declared["health"], "ecd-")
    his = system_grant("his", ["health"], PLATFORM_SERVICES, "ecd-")
    document = definitions([health, his], "ecd", {"ecd-health": "pw-health-1", "ecd-system-his": "pw-his-2"})
    assert [(u["name"], u["hashing_algorithm"], u["tags"]) for u in document["users"]] == [
        ("ecd-health", "rabbit_password_hashing_sha256", []),
        ("ecd-system-his", "rabbit_password_hashing_sha256", [])]
    assert document["vhosts"] == [{"name": "ecd"}]
    assert document["permissions"][1] == {
        "user": "ecd-system-his", "vhost": "ecd",
        "configure": rf"^(nameko-rpc|rpc\.reply-standalone_rpc_proxy-{UUID})$",
        "write": rf"^(nameko-rpc|rpc\.reply-standalone_rpc_proxy-{UUID})$",
        "read": rf"^(nameko-rpc|rpc\.reply-standalone_rpc_proxy-{UUID})$"}
    assert document["permissions"][0]["write"] == health.write
    assert document["topic_permissions"] == [
        {"user": "ecd-health", "vhost": "ecd", "exchange": "nameko-rpc",
         "write": rf"^({REPLY_KEY}|education\.referral_events_since|protection\.referral_events_since|"
                  r"registry\.events_since|registry\.referral_events_since)$",
         "read": rf"^(health\.\*|{UUID})$"},
        {"user": "ecd-system-his", "vhost": "ecd", "exchange": "nameko-rpc",
         "write": r"^health\.[a-z_]+$", "read": f"^{UUID}$"}]
    assert "pw-health-1" not in json.dumps(document) and "pw-his-2" not in json.dumps(document)


def test_a_password_is_made_once_kept_0600_and_reused(tmp_path):
    store = PasswordStore(tmp_path / "access")
    first = store.credentials("ecd-health")
    again = PasswordStore(tmp_path / "access").credentials("ecd-health")
    assert (store.credentials("ecd-health"), again) == (first, first)
    assert (first.secret_name, len(first.password)) == ("ecd-health-amqp", 32)
    assert oct(store.path("ecd-health").stat().st_mode & 0o777) == "0o600"
    assert oct(store.path("ecd-health").parent.stat().st_mode & 0o777) == "0o700"


def test_a_system_is_stored_with_its_sectors(tmp_path):
    store = PasswordStore(tmp_path)
    store.credentials("ecd-system-portal", ("protection", "reporting"))
    store.credentials("ecd-health")
    assert [(c.user, c.sectors) for c in store.systems("ecd-")] == [
        ("ecd-system-portal", ("protection", "reporting"))]


def test_no_generated_password_is_in_a_git_tracked_file(tmp_path):
    made = [c.password for _, c in service_users(PasswordStore(tmp_path), "ecd-")]
    local = ROOT / "var" / "access"
    stored = [json.loads(path.read_text()) for path in local.glob("*.json")]  # and JWKS, issuers
    made += [data["password"] for data in stored if "password" in data]
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    texts = [(ROOT / name).read_bytes() for name in tracked.decode().split("\0") if name
             and (ROOT / name).is_file()]
    assert [p for p in made if any(p.encode() in text for text in texts)] == []
    for secret in ("var/access/ecd-health.json", "var/access/dev-signing.pem",
                   "var/access/services/health.pem"):
        assert subprocess.run(["git", "check-ignore", "-q", secret], cwd=ROOT).returncode == 0, secret


def test_the_definitions_command_prints_every_services_user(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tools.access", "broker", "definitions"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "ECD_ACCESS_DIR": str(tmp_path),
                                 "BROKER_USER_PREFIX": "t-", "AMQP_URI": "amqp://a:b@broker:5672/ecd"})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [u["name"] for u in document["users"]] == [f"t-{s}" for s in PLATFORM_SERVICES]
    assert {p["vhost"] for p in document["permissions"]} == {"ecd"}


class Recorder(BaseHTTPRequestHandler):
    requests: list = []

    def do_PUT(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((self.command, self.path, self.headers["Authorization"], body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_management_api_gets_the_hash_then_topic_permissions_then_permissions():
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    grant = system_grant("his", ["health"], PLATFORM_SERVICES, "ecd-")
    try:
        api = ManagementApi(f"http://admin:pw@127.0.0.1:{server.server_port}/", "amqp://x:y@h:5672/")
        api.apply([(grant, "his-password")])
    finally:
        server.shutdown()
    basic = "Basic " + base64.b64encode(b"admin:pw").decode()
    (user, topic, permissions) = Recorder.requests
    assert (user[:3], user[3]["hashing_algorithm"], "his-password" in json.dumps(user[3])) == (
        ("PUT", "/api/users/ecd-system-his", basic), "rabbit_password_hashing_sha256", False)
    assert topic[:2] + (topic[3],) == ("PUT", "/api/topic-permissions/%2F/ecd-system-his", {
        "exchange": "nameko-rpc", "write": r"^health\.[a-z_]+$", "read": f"^{UUID}$"})
    assert permissions[:2] + (permissions[3],) == ("PUT", "/api/permissions/%2F/ecd-system-his", {
        "configure": grant.configure, "write": grant.write, "read": grant.read})


def test_a_service_answers_any_reply_key_but_one_addressed_to_a_platform_service():
    assert REPLY_KEY == r"(?!(registry|health|education|protection|reporting)\.).+"
    answered = ["3f1c9a52-5b1e-4f43-9a53-0f3a8a3b8c11", "smoke-reply-41055e07", "registry"]
    refused = ["protection.get_case", "registry.register_birth", "reporting.child_view", ""]
    assert [bool(re.fullmatch(REPLY_KEY, key)) for key in answered + refused] == [True] * 3 + [False] * 4
