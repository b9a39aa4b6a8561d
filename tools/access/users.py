"""The broker users of one platform: every service's, and every sector system stored under the same
prefix, each with its grant and stored password; what ``broker apply``, ``broker definitions``,
``system add`` and ``make run`` share.

``service_uris`` gives each service the ``AMQP_URI`` it runs under: the operator's, with the user
and password replaced (host, port, vhost and options kept).
"""

import os
from urllib.parse import quote, urlsplit, urlunsplit

from tools.access.broker import DEFAULT_PREFIX, Grant, definitions, service_grant, system_grant, system_user
from tools.access.declarations import PLATFORM_SERVICES, ServiceDeclaration, platform_declarations
from tools.access.passwords import Credentials, PasswordStore
from tools.access.rabbitmq import virtual_host

PREFIX_KEY = "BROKER_USER_PREFIX"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def user_prefix() -> str:
    return os.environ.get(PREFIX_KEY) or DEFAULT_PREFIX


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI") or DEFAULT_AMQP


def with_login(uri: str, user: str, password: str) -> str:
    """``uri`` with another user and password."""
    parts = urlsplit(uri)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or "localhost"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}:{parts.port or 5672}"
    return urlunsplit(parts._replace(netloc=netloc))


Users = list[tuple[Grant, Credentials]]


def service_users(store: PasswordStore, prefix: str,
                  declarations: tuple[ServiceDeclaration, ...] | None = None) -> Users:
    grants = [service_grant(declared, prefix) for declared in declarations or platform_declarations()]
    return [(grant, store.credentials(grant.user)) for grant in grants]


def system_users(store: PasswordStore, prefix: str) -> Users:
    return [(system_grant(c.user.removeprefix(f"{prefix}system-"), c.sectors, PLATFORM_SERVICES, prefix), c)
            for c in store.systems(prefix)]


def add_system(store: PasswordStore, prefix: str, name: str, sectors: list[str]) -> tuple[Grant, Credentials]:
    grant = system_grant(name, sectors, PLATFORM_SERVICES, prefix)  # refuses a bad name or sector first
    return grant, store.credentials(system_user(prefix, name), tuple(sorted(set(sectors))))


def definitions_document(users: Users, uri: str) -> dict:
    return definitions([grant for grant, _ in users], virtual_host(uri),
                       {credentials.user: credentials.password for _, credentials in users})


def service_uris(users: Users, uri: str, prefix: str) -> dict[str, str]:
    """Each service's own ``AMQP_URI`` (users named ``<prefix><service>``)."""
    return {credentials.user.removeprefix(prefix): with_login(uri, credentials.user, credentials.password)
            for _, credentials in users}
