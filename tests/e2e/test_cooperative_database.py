"""On PostgreSQL a query that waits blocks only its own worker: reporting, run as ``nameko run`` runs
it, answers ``view_stats`` while one of its event handlers waits in the database for a lock."""

import pytest
from amqp.exceptions import ChannelError
from kombu import Connection
from nameko.standalone.events import event_dispatcher
from sqlalchemy import create_engine, text

from shared.plumbing.consumer import handler_method_name, handler_queue_name
from tests.conftest import free_port
from tests.support.factories import make_birth_envelope
from tests.support.identities import cluster_proxy
from tests.support.processes import ServiceProcess, wait_ready, wait_until

pytestmark = pytest.mark.e2e
NOTHING_YET = {"children": 0, "registered": 0, "processed_events": 0}


def consumed(amqp_uri: str, queue: str) -> bool:
    """Someone consumes ``queue`` (an RPC answer does not say the event consumers are up yet)."""
    with Connection(amqp_uri) as conn:
        try:
            return conn.channel().queue_declare(queue, passive=True).consumer_count >= 1
        except ChannelError:
            return False


def waiting_for_a_lock(conn) -> bool:
    return conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                             "AND NOT granted")).scalar_one() >= 1


def test_a_handler_waiting_in_postgresql_does_not_stop_another_worker_answering(clean_infra, tmp_path):
    config = {"AMQP_URI": clean_infra.amqp_uri}
    url = clean_infra.db_url("reporting")
    reporting = ServiceProcess("reporting", {
        "AMQP_URI": clean_infra.amqp_uri, "REPORTING_DB_URL": url, "CATCH_UP_INTERVAL": "0",
        "REPORTING_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}, tmp_path).start()
    envelope = make_birth_envelope()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        wait_ready(config, "reporting", "view_stats")
        births = handler_queue_name("registry", "birth_registered", "reporting",
                                    handler_method_name("registry", "birth_registered"))
        wait_until(lambda: consumed(clean_infra.amqp_uri, births), 30, "reporting to consume births")
        with engine.connect() as holder:
            # reporting applies a child's events one at a time under this lock: hold it from outside
            holder.execute(text("SELECT pg_advisory_lock(hashtext(:c))"), {"c": envelope["child_id"]})
            event_dispatcher(config)("registry", "birth_registered", envelope)
            wait_until(lambda: waiting_for_a_lock(holder), 30, "reporting's handler to wait for the lock")
            with cluster_proxy(config, timeout=5) as rpc:
                while_waiting = rpc.reporting.view_stats()
            holder.execute(text("SELECT pg_advisory_unlock(hashtext(:c))"), {"c": envelope["child_id"]})
        with cluster_proxy(config, timeout=5) as rpc:
            after = wait_until(lambda: (s := rpc.reporting.view_stats())["processed_events"] == 1 and s, 30,
                               "the birth to apply once the lock is free")
    finally:
        reporting.stop()
        engine.dispose()
    assert while_waiting == NOTHING_YET
    assert after == {"children": 1, "registered": 1, "processed_events": 1}
