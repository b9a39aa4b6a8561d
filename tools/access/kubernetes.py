"""``python -m tools.access kubernetes``: the Secrets and the ConfigMap the manifests name, as YAML.

``deploy/k8s/base`` runs each service as its own broker user (``RABBIT_PASSWORD`` from the Secret
``ecd-<service>-amqp``), with its own signing key for calls to other services' event logs (the Secret
``ecd-<service>-signing-key``) and the trusted issuers' public keys (the ConfigMap
``ecd-token-issuers``: ``issuers.json`` and the JWKS files it names), and each sector system added
with ``system add`` has its ``ecd-system-<name>-amqp``. This prints all of them from
``var/access/`` (made where missing, as ``make run`` does), to pipe into ``kubectl apply -n ecd -f -``
or a sealed-secrets tool; never commit the output. The development issuer's private key is not in
it: a province trusts its own identity provider by editing ``issuers.json`` before.
"""

import argparse
import base64
import json
import sys
from pathlib import Path

import yaml

from tools.access.passwords import PasswordStore, access_dir
from tools.access.tokens import SERVICES, ensure_trust, service_key_file
from tools.access.users import service_users, system_users, user_prefix

ISSUERS_CONFIG_MAP = "ecd-token-issuers"


def _secret(name: str, data: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": name},
            "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}}


def _trusted_files(issuers_file: Path) -> dict[str, str]:
    """``issuers.json`` and every JWKS file it names (the public keys only)."""
    issuers = json.loads(issuers_file.read_text(encoding="utf-8"))
    named = [source["jwks_file"] for source in issuers["issuers"].values() if "jwks_file" in source]
    return {"issuers.json": issuers_file.read_text(encoding="utf-8"),
            **{Path(name).name: (issuers_file.parent / name).read_text(encoding="utf-8") for name in named}}


def manifests(folder: Path | None = None) -> list[dict]:
    folder = folder or access_dir()
    issuers = ensure_trust(folder)
    store, prefix = PasswordStore(folder), user_prefix()
    broker = [_secret(credentials.secret_name, {"password": credentials.password})
              for _, credentials in [*service_users(store, prefix), *system_users(store, prefix)]]
    keys = [_secret(f"ecd-{service}-signing-key",
                    {"key.pem": service_key_file(folder, service).read_text(encoding="ascii")})
            for service in SERVICES]
    trust = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ISSUERS_CONFIG_MAP},
             "data": _trusted_files(issuers)}
    return [*broker, *keys, trust]


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("kubernetes", help="print the Secrets and ConfigMap deploy/k8s names")
    command.set_defaults(run=run_kubernetes)


def run_kubernetes(_: argparse.Namespace) -> int:
    yaml.safe_dump_all(manifests(), sys.stdout, sort_keys=False)
    return 0
