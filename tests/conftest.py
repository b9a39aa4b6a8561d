"""Test set-up: eventlet first, then the real broker and database every service test runs against."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet 0.41 warns on import that it is deprecated
    import eventlet

eventlet.monkey_patch()  # noqa: E402  (nameko needs it before anything opens a socket)

import shutil  # noqa: E402
import socket  # noqa: E402
from contextlib import ExitStack  # noqa: E402

import pytest  # noqa: E402

from tests.support.identities import trust_config  # noqa: E402
from tests.support.infra import (  # noqa: E402
    create_service_databases,
    reset_broker,
    reset_databases,
    start_infrastructure,
)


@pytest.fixture(scope="session")
def infra():
    with ExitStack() as stack:
        found = start_infrastructure(stack)
        create_service_databases(found)
        yield found
        delete_session_broker_users(found.amqp_uri)


def delete_session_broker_users(amqp_uri: str) -> None:
    """The broker users ``make run`` made for this session's platforms (``tests.support.platform``)."""
    from tests.support.platform import SESSION_ACCESS_DIR, SESSION_USER_PREFIX
    from tools.access.rabbitmq import administrator

    if not SESSION_ACCESS_DIR.exists():
        return
    admin = administrator(amqp_uri)
    if admin.problem() is None:
        admin.delete_users(user for user in admin.users() if user.startswith(SESSION_USER_PREFIX))
    shutil.rmtree(SESSION_ACCESS_DIR)


@pytest.fixture
def clean_infra(infra):
    """The real broker and database, emptied of everything earlier tests left."""
    reset_broker(infra)
    reset_databases(infra)
    return infra


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def service_config(clean_infra):
    """nameko config for one in-process service container: ``service_config("registry")``."""

    def build(service: str, **extra):
        return {"AMQP_URI": clean_infra.amqp_uri, "DB_URL": clean_infra.db_url(service),
                "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}", "EVENT_RETRY_DELAY_MS": 50,
                "CATCH_UP_INTERVAL": 0, "REFERRAL_RULES_INTERVAL": 0, **trust_config(service),
                **extra}

    return build
