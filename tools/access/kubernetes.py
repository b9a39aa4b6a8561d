"""``python -m tools.access kubernetes``: the Secrets and the ConfigMap the manifests name, as YAML.

``deploy/k8s/base`` runs each service as its own broker user (``RABBIT_PASSWORD`` from the Secret
``ecd-<service>-amqp``), with its own signing key for calls to other services' event logs (the Secret
``ecd-<service>-signing-key``), as its own database role (the basic-auth Secret ``ecd-<service>-db``
that CloudNativePG's managed role takes its password from) and the trusted issuers' public keys (the ConfigMap
``ecd-token-issuers``: ``issuers.json`` and the JWKS files it names), and each sector system added
with ``system add`` has its ``ecd-system-<name>-amqp``. This prints all of them from
``var/access/`` (made where missing, as ``make run`` does), to pipe into ``kubectl apply -n ecd -f -``
or a sealed-secrets tool; never commit the output. The development issuer's private key is not in
it: a province trusts its own identity provider by editing ``issuers.json`` before.

``--topology`` prints instead what the RabbitMQ messaging-topology operator applies to the cluster:
a ``User`` per service (its credentials imported from that same Secret), its ``Permission`` and its
``TopicPermission`` on ``nameko-rpc``, from the same grants as ``broker apply`` (no secrets in it:
``deploy/k8s/topology/broker-users.yaml`` is this output, kept in step by a test).
"""

import argparse
import base64
import json
import sys
from pathlib import Path

import yaml

from tools.access.broker import Grant, service_grant
from tools.access.declarations import platform_declarations
from tools.access.passwords import PasswordStore, access_dir, secret_name
from tools.access.tokens import SERVICES, ensure_trust, service_key_file
from tools.access.users import service_users, system_users, user_prefix

ISSUERS_CONFIG_MAP = "ecd-token-issuers"
CLUSTER = "rabbitmq"  # the RabbitmqCluster's name
VHOST = "/"
TOPOLOGY = "rabbitmq.com/v1beta1"


def _secret(name: str, data: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": name},
            "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}}


def _trusted_files(issuers_file: Path) -> dict[str, str]:
    """``issuers.json`` and every JWKS file it names (the public keys only)."""
    issuers = json.loads(issuers_file.read_text(encoding="utf-8"))
    named = [source["jwks_file"] for source in issuers["issuers"].values() if "jwks_file" in source]
    return {"issuers.json": issuers_file.read_text(encoding="utf-8"),
            **{Path(name).name: (issuers_file.parent / name).read_text(encoding="utf-8") for name in named}}


def _database_secret(store: PasswordStore, service: str) -> dict:
    """``service``'s database role: username and password, in the form CloudNativePG's managed roles read
    (``kubernetes.io/basic-auth``), reloaded by the operator when the password changes."""
    password = store.credentials(f"database-{service}").password
    secret = _secret(f"ecd-{service}-db", {"username": service, "password": password})
    secret["type"] = "kubernetes.io/basic-auth"
    secret["metadata"]["labels"] = {"cnpg.io/reload": "true"}
    return secret


def manifests(folder: Path | None = None) -> list[dict]:
    folder = folder or access_dir()
    issuers = ensure_trust(folder)
    store, prefix = PasswordStore(folder), user_prefix()
    broker = [_secret(credentials.secret_name,
                      {"username": credentials.user, "password": credentials.password})
              for _, credentials in [*service_users(store, prefix), *system_users(store, prefix)]]
    keys = [_secret(f"ecd-{service}-signing-key",
                    {"key.pem": service_key_file(folder, service).read_text(encoding="ascii")})
            for service in SERVICES]
    databases = [_database_secret(store, service) for service in SERVICES]
    trust = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ISSUERS_CONFIG_MAP},
             "data": _trusted_files(issuers)}
    return [*broker, *keys, *databases, trust]


def _resource(kind: str, name: str, spec: dict) -> dict:
    return {"apiVersion": TOPOLOGY, "kind": kind, "metadata": {"name": name},
            "spec": {**spec, "rabbitmqClusterReference": {"name": CLUSTER}}}


def _user_resources(grant: Grant) -> list[dict]:
    user = {"userReference": {"name": grant.user}, "vhost": VHOST}
    return [
        _resource("User", grant.user, {"importCredentialsSecret": {"name": secret_name(grant.user)}}),
        _resource("Permission", grant.user, {**user, "permissions": {
            "configure": grant.configure, "write": grant.write, "read": grant.read}}),
        *(_resource("TopicPermission", f"{grant.user}-{topic.exchange}", {**user, "permissions": {
            "exchange": topic.exchange, "write": topic.write, "read": topic.read}})
          for topic in grant.topics)]


def topology(prefix: str | None = None) -> list[dict]:
    """Every service's broker user as the messaging-topology operator's resources."""
    grants = [service_grant(declared, prefix or user_prefix()) for declared in platform_declarations()]
    return [resource for grant in grants for resource in _user_resources(grant)]


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("kubernetes", help="print the Secrets and ConfigMap deploy/k8s names")
    command.add_argument("--topology", action="store_true",
                         help="print the topology operator's User, Permission, TopicPermission instead")
    command.set_defaults(run=run_kubernetes)


def run_kubernetes(arguments: argparse.Namespace) -> int:
    documents = topology() if arguments.topology else manifests()
    yaml.safe_dump_all(documents, sys.stdout, sort_keys=False, width=200)
    return 0
