"""The database provider gives each worker a session and never leaves one open behind it."""

from unittest.mock import Mock

from sqlalchemy import text

from services.registry.orm import RegistryBase
from shared.config_keys import DB_URL_KEY
from shared.db import Database


def test_a_killed_container_closes_the_sessions_its_workers_left_open(tmp_path):
    provider = Database(RegistryBase)
    provider.container = Mock(config={DB_URL_KEY: f"sqlite:///{tmp_path}/registry.db"})
    provider.setup()
    session = provider.get_dependency("a worker killed after its reply, before its teardown")
    session.execute(text("SELECT 1"))
    assert (session.in_transaction(), provider.engine.pool.checkedout()) == (True, 1)
    provider.kill()
    assert (session.in_transaction(), provider.sessions) == (False, {})
