"""Where the real RabbitMQ and PostgreSQL for the tests are, and how to reset them between tests.

With a Docker engine, testcontainers starts both; otherwise the tests use the servers this machine
runs (``TEST_AMQP_URI``, ``TEST_PG_URL``; defaults 127.0.0.1:5672 guest/guest and 127.0.0.1:5432
trust, database ``test``; ``TEST_DB_PREFIX`` names the service databases, default ``ecd_test``, so two
checkouts can test at once on one server, each with its own prefix and RabbitMQ vhost). When they
cannot be reached, the tests that need them are skipped on a
developer's machine and FAIL under ``CI=true``: a missing broker is never a silent pass.
"""

import os
import socket
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from kombu import Connection
from sqlalchemy import create_engine, text

from shared.plumbing.consumer import dead_letter_queue_name

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
# sample: tests/support/sample_sector.py
SERVICE_DATABASES = ("registry", "reporting", "health", "education", "protection", "sample")


DB_PREFIX = os.environ.get("TEST_DB_PREFIX", "ecd_test")


@dataclass(frozen=True)
class Infrastructure:
    amqp_uri: str
    pg_url: str

    def db_url(self, service: str) -> str:
        return self.pg_url.rsplit("/", 1)[0] + f"/{DB_PREFIX}_{service}"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


def start_infrastructure(stack: ExitStack) -> Infrastructure:
    if _docker_available() and not os.environ.get("TEST_AMQP_URI"):
        from testcontainers.community.postgres import PostgresContainer
        from testcontainers.community.rabbitmq import RabbitMqContainer

        rabbit = stack.enter_context(RabbitMqContainer("rabbitmq:3.13"))
        pg = stack.enter_context(PostgresContainer("postgres:15", driver="psycopg2"))
        params = rabbit.get_connection_params()
        amqp = f"amqp://guest:guest@{params.host}:{params.port}/"
        return Infrastructure(amqp, pg.get_connection_url())
    infra = Infrastructure(os.environ.get("TEST_AMQP_URI", DEFAULT_AMQP),
                           os.environ.get("TEST_PG_URL", DEFAULT_PG))
    missing = [url for url in (infra.amqp_uri, infra.pg_url) if not _reachable(url)]
    if missing:
        unavailable(f"RabbitMQ/PostgreSQL not reachable: {', '.join(missing)}",
                    "a missing broker or database is a failure")
    return infra


def unavailable(message: str, in_ci: str) -> None:
    """Skip on a developer's machine; FAIL under ``CI=true`` (``in_ci`` says why it must not skip)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: {in_ci})")
    pytest.skip(message)


def create_service_databases(infra: Infrastructure) -> None:
    engine = create_engine(infra.pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for service in SERVICE_DATABASES:
            name = f"{DB_PREFIX}_{service}"
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()


def reset_databases(infra: Infrastructure) -> None:
    """Empty every table the services created (they upgrade their databases at start), keeping the
    revision the tables are at."""
    for service in SERVICE_DATABASES:
        engine = create_engine(infra.db_url(service))
        with engine.begin() as conn:
            conn.execute(text(  # a connection an earlier test left mid-transaction would block TRUNCATE
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                "current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"))
            tables = conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'")).scalars().all()  # the revision its tables are at
            if tables:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
        engine.dispose()


def platform_queue_names() -> list[str]:
    """Every queue the platform's services declare (read from their classes), and the sample's."""
    from tools.access.declarations import platform_declarations

    names = ["rpc-sample"]
    for service in platform_declarations():
        names += [f"rpc-{service.name}", *service.retired_queues]
        names += [dead_letter_queue_name(service.name)] if service.parks_dead_letters else []
        for handler in service.handlers:
            names += [handler.queue, f"{handler.queue}.retry"]
    return names


def reset_broker(infra: Infrastructure) -> None:
    """Delete the platform's queues so no message from an earlier test is delivered in this one."""
    with Connection(infra.amqp_uri) as conn:
        channel = conn.channel()
        for name in platform_queue_names():
            channel.queue_delete(name)
        channel.close()
