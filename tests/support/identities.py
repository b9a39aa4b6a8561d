"""Who the tests call as: signed tokens from a trust folder made once per test run.

``ensure_trust`` (the same as ``make run``'s) makes the development issuer and the services' keys
in this session's access folder (``SESSION_ACCESS_DIR``, where ``make run`` in a test also keeps the
session's broker users' passwords, named with ``SESSION_USER_PREFIX``; deleted at the end);
in-process containers and ``nameko run`` processes are pointed at it (``trust_config``,
``trust_env``). ``token`` signs an identity; ``everyone()`` holds every role in
every province (what a test that is not about access calls as); ``cluster_proxy`` is nameko's
``ClusterRpcProxy`` sending a token with every call.
"""

import os
import tempfile
from functools import cache
from pathlib import Path

from nameko.standalone.rpc import ClusterRpcProxy

from shared.kit.identity import CallerContext
from shared.plumbing.tokens import Issuers
from shared.rules import access
from shared.rules.admin_units import CURRENT, admin_units
from tests.support.infra import DB_PREFIX
from tools.access.passwords import ACCESS_DIR_KEY
from tools.access.tokens import SERVICES, dev_token, ensure_trust, service_key_file

SESSION_USER_PREFIX = f"{DB_PREFIX}-{os.getpid()}-"
SESSION_ACCESS_DIR = Path(tempfile.gettempdir()) / f"ecd-access-{SESSION_USER_PREFIX}"


@cache
def trust_folder() -> Path:
    SESSION_ACCESS_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    ensure_trust(SESSION_ACCESS_DIR)
    return SESSION_ACCESS_DIR


def trust_config(service: str) -> dict[str, str]:
    """The nameko config keys a service needs to check tokens and sign its own calls."""
    return {"TOKEN_ISSUERS_FILE": str(trust_folder() / "issuers.json"),
            "SERVICE_KEY_FILE": str(service_key_file(trust_folder(), service))}


def trust_env() -> dict[str, str]:
    """The same for ``nameko run`` processes (``make run``'s environment variables)."""
    env = {"TOKEN_ISSUERS_FILE": str(trust_folder() / "issuers.json"), ACCESS_DIR_KEY: str(trust_folder())}
    for service in SERVICES:
        env[f"{service.upper()}_SERVICE_KEY_FILE"] = str(service_key_file(trust_folder(), service))
    return env


def all_provinces() -> list[str]:
    return sorted(admin_units().provinces[CURRENT])


def token(*roles: str, areas: list[str] | None = None, user: str = "tester", system: str = "tests",
          purpose: str = "testing", seconds: int = 3600) -> str:
    return dev_token(user, list(roles), all_provinces() if areas is None else areas, system, purpose,
                     seconds, trust_folder())


@cache
def everyone() -> str:
    return token(*access.roles(), user="everyone")


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def cluster_proxy(config: dict, as_token: str | None = None, **options) -> ClusterRpcProxy:
    return ClusterRpcProxy(config, context_data={"authorization": as_token or everyone()}, **options)


def caller_context(as_token: str | None = None) -> CallerContext:
    """What ``self.caller`` is in a worker, for entrypoints run with ``worker_factory``."""
    return CallerContext(Issuers.from_file(trust_folder() / "issuers.json"), as_token or everyone())
