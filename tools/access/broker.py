"""Who may do what on the broker, derived from the services' declarations alone, and written as a
RabbitMQ definitions document; pure (no broker, no files), so every regex is unit-tested.

A platform service's user may declare, bind and read only its own queues (``rpc-<name>``, its reply
queues ``rpc.reply-<name>-<uuid>``, its event handler queues with their ``.retry`` and its
``<name>.dead-letter``) and publish only to ``nameko-rpc``, its own ``<name>.events`` and its own
``<name>.retry``; on ``nameko-rpc`` its topic permissions let it bind ``<name>.*`` and uuid-shaped
reply keys, and publish replies to any key not addressed to a platform service (a caller
chooses its reply key; only a system's own binding must be a uuid) and exactly the RPCs it calls.
A sector system's user may declare, bind and read only a standalone proxy's reply queue
``rpc.reply-standalone_rpc_proxy-<uuid>`` bound with a uuid key, and publish to ``nameko-rpc``
only its sectors' RPCs. Nobody gets write on the default exchange (``amq.default``, which delivers
into any queue by name): ``check_no_default_exchange`` refuses any grant that would. User names are
a prefix (``BROKER_USER_PREFIX``, default ``ecd-``) plus the service's name, or ``system-<name>``
for a system.
"""

import base64
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tools.access.declarations import PLATFORM_SERVICES, ServiceDeclaration

RPC_EXCHANGE = "nameko-rpc"
DEFAULT_EXCHANGE = "amq.default"
DEFAULT_PREFIX = "ecd-"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
METHOD = "[a-z_]+"
STANDALONE_REPLY_QUEUE = rf"rpc\.reply-standalone_rpc_proxy-{UUID}"
# A service answers to whatever reply key its caller chose, except one addressed to a platform
# service (a reply must never land in an RPC queue as a request in the answering service's name).
REPLY_KEY = rf"(?!({'|'.join(PLATFORM_SERVICES)})\.).+"
HASHING = "rabbit_password_hashing_sha256"
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
RESOURCE_NAME = re.compile(r"[A-Za-z0-9_.*-]+")


@dataclass(frozen=True)
class TopicGrant:
    exchange: str
    write: str
    read: str


@dataclass(frozen=True)
class Grant:
    user: str
    configure: str
    write: str
    read: str
    topics: tuple[TopicGrant, ...] = ()


def literal(name: str) -> str:
    """``name`` as a regex matching only itself (names here hold letters, digits, ``_.*-``)."""
    if not RESOURCE_NAME.fullmatch(name):
        raise ValueError(f"unexpected broker resource name {name!r}")
    return name.replace(".", r"\.").replace("*", r"\*")


def one_of(patterns: Iterable[str]) -> str:
    """A regex matching exactly one of ``patterns`` (each a regex itself), nothing when empty."""
    unique = list(dict.fromkeys(patterns))
    if not unique:
        return "^$"
    return f"^{unique[0]}$" if len(unique) == 1 else f"^({'|'.join(unique)})$"


def service_user(prefix: str, service: str) -> str:
    return f"{prefix}{service}"


def system_user(prefix: str, name: str) -> str:
    if not NAME.fullmatch(name):
        raise ValueError(f"a system's name is lower-case letters, digits, '_' and '-': {name!r}")
    return f"{prefix}system-{name}"


def owned_queues(service: ServiceDeclaration) -> list[str]:
    queues = [literal(f"rpc-{service.name}")] if service.rpc_methods else []
    if service.calls:
        queues.append(rf"rpc\.reply-{literal(service.name)}-{UUID}")
    for handler in service.handlers:
        queues.append(literal(handler.queue))
        if handler.retried:
            queues.append(literal(f"{handler.queue}.retry"))
    if service.parks_dead_letters:
        queues.append(literal(f"{service.name}.dead-letter"))
    return queues


def uses_rpc_exchange(service: ServiceDeclaration) -> bool:
    return bool(service.rpc_methods or service.calls)


def published_exchanges(service: ServiceDeclaration) -> list[str]:
    exchanges = [RPC_EXCHANGE] if uses_rpc_exchange(service) else []
    exchanges += [f"{service.name}.events"] if service.publishes_events else []
    return exchanges + ([f"{service.name}.retry"] if service.parks_dead_letters else [])


def bound_exchanges(service: ServiceDeclaration) -> list[str]:
    """The exchanges its queues are bound to (binding needs read on the exchange)."""
    exchanges = [RPC_EXCHANGE] if uses_rpc_exchange(service) else []
    exchanges += [f"{source}.events" for source in service.consumed_sources]
    return exchanges + ([f"{service.name}.retry"] if service.parks_dead_letters else [])


def rpc_topics(service: ServiceDeclaration) -> TopicGrant:
    """Replies go to any key but a platform service's; requests only to the RPCs it calls; it binds
    ``<name>.*`` and uuids."""
    calls = [literal(f"{target}.{method}") if method else rf"{literal(target)}\.{METHOD}"
             for target, method in service.calls]
    write = ([REPLY_KEY] if service.rpc_methods else []) + calls
    read = ([literal(f"{service.name}.*")] if service.rpc_methods else []) + ([UUID] if service.calls else [])
    return TopicGrant(RPC_EXCHANGE, one_of(write), one_of(read))


def service_grant(service: ServiceDeclaration, prefix: str = DEFAULT_PREFIX) -> Grant:
    queues = owned_queues(service)
    declared = dict.fromkeys(published_exchanges(service) + bound_exchanges(service))
    grant = Grant(
        user=service_user(prefix, service.name),
        configure=one_of([*map(literal, declared), *queues, *map(literal, service.retired_queues)]),
        write=one_of([*map(literal, published_exchanges(service)), *queues]),
        read=one_of([*map(literal, bound_exchanges(service)), *queues]),
        topics=(rpc_topics(service),) if uses_rpc_exchange(service) else ())
    return check_no_default_exchange(grant)


def system_grant(name: str, sectors: Iterable[str], services: Iterable[str],
                 prefix: str = DEFAULT_PREFIX) -> Grant:
    """A sector system calling the RPCs of ``sectors`` (each one of ``services``) and nothing else."""
    sectors, known = sorted(set(sectors)), set(services)
    unknown = [sector for sector in sectors if sector not in known]
    if not sectors or unknown:
        raise ValueError(f"a system's sectors are among {', '.join(sorted(known))}; got {unknown or 'none'}")
    own = one_of([literal(RPC_EXCHANGE), STANDALONE_REPLY_QUEUE])
    targets = sectors[0] if len(sectors) == 1 else f"({'|'.join(sectors)})"
    topic = TopicGrant(RPC_EXCHANGE, write=rf"^{targets}\.{METHOD}$", read=f"^{UUID}$")
    return check_no_default_exchange(Grant(system_user(prefix, name), own, own, own, (topic,)))


def check_no_default_exchange(grant: Grant) -> Grant:
    """Refuse a grant that could write to (or reconfigure) the default exchange."""
    for kind in ("configure", "write"):
        if re.search(getattr(grant, kind), DEFAULT_EXCHANGE):
            raise ValueError(f"{grant.user} would get {kind} on {DEFAULT_EXCHANGE}: administrators only")
    return grant


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password)), 4-byte salt."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(grants: Iterable[Grant], vhost: str, passwords: Mapping[str, str]) -> dict:
    """A RabbitMQ definitions document: the users (hashes, no passwords), their permissions on
    ``vhost`` and their topic permissions."""
    grants = list(grants)
    return {
        "users": [{"name": g.user, "password_hash": password_hash(passwords[g.user]),
                   "hashing_algorithm": HASHING, "tags": []} for g in grants],
        "vhosts": [{"name": vhost}],
        "permissions": [{"user": g.user, "vhost": vhost, "configure": g.configure, "write": g.write,
                         "read": g.read} for g in grants],
        "topic_permissions": [{"user": g.user, "vhost": vhost, "exchange": t.exchange, "write": t.write,
                               "read": t.read} for g in grants for t in g.topics],
    }
