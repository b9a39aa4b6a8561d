"""The database provider gives each worker a session and never leaves one open behind it; at start it
adopts a database an earlier version made (before migrations), bringing it to the baseline."""

from unittest.mock import Mock

from sqlalchemy import create_engine, text

from services.health.migrations import SCHEMA as HEALTH
from services.registry.migrations import SCHEMA as REGISTRY
from shared.plumbing.config_keys import DB_URL_KEY
from shared.plumbing.db import Database


def test_a_killed_container_closes_the_sessions_its_workers_left_open(tmp_path):
    provider = Database(REGISTRY)
    provider.container = Mock(config={DB_URL_KEY: f"sqlite:///{tmp_path}/registry.db"})
    provider.setup()
    session = provider.get_dependency("a worker killed after its reply, before its teardown")
    session.execute(text("SELECT 1"))
    assert (session.in_transaction(), provider.engine.pool.checkedout()) == (True, 1)
    provider.kill()
    assert (session.in_transaction(), provider.sessions) == (False, {})


def test_an_outbox_made_before_claims_gains_its_claim_column_at_start(tmp_path):
    url = f"sqlite:///{tmp_path}/registry.db"
    engine = create_engine(url)
    with engine.begin() as conn:  # the outbox as the version before issue 13 made it
        conn.execute(text("CREATE TABLE outbox_messages (position INTEGER PRIMARY KEY, event_id VARCHAR(32), "
                          "event_type VARCHAR(64), envelope JSON, created_at DATETIME, sent_at DATETIME)"))
        conn.execute(text("INSERT INTO outbox_messages (event_id, event_type, envelope) "
                          "VALUES ('e1', 'x', '{}')"))
    engine.dispose()
    provider = Database(REGISTRY)
    provider.container = Mock(config={DB_URL_KEY: url})
    provider.setup()
    with provider.engine.connect() as conn:
        row = conn.execute(text("SELECT event_id, claimed_until FROM outbox_messages")).one()
    provider.stop()
    assert tuple(row) == ("e1", None)


def test_a_registry_copy_made_before_names_gains_them_empty_at_start(tmp_path):
    url = f"sqlite:///{tmp_path}/health.db"
    engine = create_engine(url)
    with engine.begin() as conn:  # health's copy of the registry as the version before issue 17 made it
        conn.execute(text("CREATE TABLE known_children (child_id VARCHAR(32) PRIMARY KEY, "
                          "date_of_birth DATE, sex VARCHAR(8), legacy_commune VARCHAR(5), "
                          "current_commune VARCHAR(5), current_province VARCHAR(2), date_of_death DATE)"))
        conn.execute(text("INSERT INTO known_children (child_id, date_of_birth, sex, legacy_commune) "
                          "VALUES ('012324000001', '2024-03-01', 'female', '03388')"))
    engine.dispose()
    provider = Database(HEALTH)
    provider.container = Mock(config={DB_URL_KEY: url})
    provider.setup()
    with provider.engine.connect() as conn:
        row = conn.execute(text("SELECT child_id, full_name, registration_date, carer_name, village "
                                "FROM known_children")).one()
    provider.stop()
    assert tuple(row) == ("012324000001", None, None, None, None)


def test_a_reporting_table_made_before_its_covering_index_gains_it_at_start(tmp_path):
    from services.reporting.migrations import SCHEMA as REPORTING

    url = f"sqlite:///{tmp_path}/reporting.db"
    engine = create_engine(url)
    with engine.begin() as conn:  # card periods as the version before issue 19 made them
        conn.execute(text("CREATE TABLE card_periods (id INTEGER PRIMARY KEY, child_id VARCHAR(32), "
                          "issued_on DATE NOT NULL, valid_to DATE NOT NULL)"))
        conn.execute(text("CREATE INDEX ix_card_periods_child_id ON card_periods (child_id)"))
    engine.dispose()
    provider = Database(REPORTING)
    provider.container = Mock(config={DB_URL_KEY: url})
    provider.setup()
    with provider.engine.connect() as conn:
        found = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                  "tbl_name = 'card_periods' ORDER BY name")).scalars().all()
    provider.stop()
    assert found == ["ix_card_periods_child_days", "ix_card_periods_child_id"]
