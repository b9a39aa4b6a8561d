"""Why RabbitMQ would refuse the platform, in words an operator can act on, with the password hidden.

Connecting can fail in four ways that need different fixes: nothing listens at the address (start a
broker: ``make broker``), the broker refuses the login (check the user and password), the virtual
host does not exist (``rabbitmqctl add_vhost`` and ``set_permissions``) or the user may not use it
(``set_permissions``). ``broker_problem`` tells them apart; every URI it prints goes through
``redact`` first, so a password never reaches a terminal or a log. ``make run``
(``tools.run_platform``), ``make demo`` and ``make dead-letters`` ask it before they start.
"""

import shlex
from urllib.parse import unquote, urlsplit, urlunsplit

CONNECT_TIMEOUT = 3
NOTHING_LISTENS = "Nothing listens at"


def redact(uri: str) -> str:
    """``uri`` with its password replaced by ``***`` (``amqp://guest:***@host:5672/vhost``)."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostport}"))


def _grant(vhost: str, user: str) -> str:
    return f"`rabbitmqctl set_permissions -p {shlex.quote(vhost)} {shlex.quote(user)} '.*' '.*' '.*'`"


def _explain(error: Exception, shown: str, user: str, vhost: str) -> str:
    from amqp.exceptions import AccessRefused, NotAllowed  # after the caller's eventlet.monkey_patch

    kind = type(error).__name__
    reason = f"{kind}: {getattr(error, 'reply_text', None) or error}"
    if isinstance(error, AccessRefused):
        return (f"RabbitMQ at {shown} refused the login of user '{user}' ({kind}): check the user and "
                "password in AMQP_URI.")
    if isinstance(error, NotAllowed) and "not found" in str(error):
        return (f"RabbitMQ at {shown} has no virtual host '{vhost}' ({kind}): create it with "
                f"`rabbitmqctl add_vhost {shlex.quote(vhost)}` and {_grant(vhost, user)}, or point "
                "AMQP_URI at a virtual host that exists.")
    if isinstance(error, NotAllowed):
        return (f"RabbitMQ at {shown} does not let user '{user}' into virtual host '{vhost}' ({reason}): "
                f"grant it with {_grant(vhost, user)}.")
    if isinstance(error, OSError):
        return (f"{NOTHING_LISTENS} {shown} ({reason}): start a RabbitMQ with `make broker`, or point "
                "AMQP_URI at yours.")
    return f"RabbitMQ at {shown} refused us ({reason}): check AMQP_URI."


def unreachable(message: str) -> bool:
    """True when ``message`` (from ``broker_problem``) says that no broker answered at all."""
    return message.startswith(NOTHING_LISTENS)


def broker_problem(amqp_uri: str) -> str | None:
    """Why the broker at ``amqp_uri`` refuses a connection (what to do about it), or None."""
    from kombu import Connection

    parts = urlsplit(amqp_uri)
    user = unquote(parts.username) if parts.username else "guest"
    try:
        with Connection(amqp_uri, connect_timeout=CONNECT_TIMEOUT) as conn:
            vhost = conn.virtual_host  # kombu's reading: "/" when the path is empty, unquoted
            conn.connect()
    except Exception as error:  # socket errors, AccessRefused (login), NotAllowed (vhost)
        return _explain(error, redact(amqp_uri), user, vhost)
    return None
