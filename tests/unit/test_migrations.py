"""Every service's revisions make exactly its models' schema on SQLite: from an empty database, from
each earlier revision (the stairway), and from a database made before migrations (adopted); the
baseline downgrades to nothing; a database at head is left as it is; a rebuild's new tables are not
drift; a schema alone names every
table its running service has (``python -m shared.plumbing.migrate`` imports no service). (PostgreSQL:
tests/integration/test_migrations_postgresql.py.)"""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import DefaultClause, text

from shared.plumbing import db
from shared.plumbing.db import make_engine
from shared.plumbing.migrations import BASELINE, service_revisions, upgrade_to_head
from tests.support.migrations import (
    SCHEMAS,
    drift,
    make_before_migrations,
    revision_of,
    run_revisions,
    tables,
)


@pytest.fixture
def database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/service.db")
    yield engine
    engine.dispose()


def by_service(schema):
    return schema.service


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_an_empty_database_upgraded_by_the_revisions_equals_the_models(database, schema):
    run_revisions(database, schema, "head")
    assert (drift(database, schema), revision_of(database)) == ([], service_revisions(schema)[-1])


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_a_database_at_each_earlier_revision_upgraded_at_start_equals_the_models(tmp_path, schema):
    for number, revision in enumerate(service_revisions(schema)):
        engine = make_engine(f"sqlite:///{tmp_path}/at_{number}.db")
        run_revisions(engine, schema, revision)
        done = upgrade_to_head(engine, schema)
        found = drift(engine, schema), revision_of(engine)
        engine.dispose()
        assert (done, *found) == ("current" if revision == service_revisions(schema)[-1] else "upgraded",
                                  [], service_revisions(schema)[-1])


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_a_database_made_before_migrations_is_adopted_and_equals_the_models(database, schema):
    make_before_migrations(database, schema)
    done = upgrade_to_head(database, schema)
    assert (done, drift(database, schema), revision_of(database)) == (
        "adopted", [], service_revisions(schema)[-1])


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_an_empty_database_made_at_start_is_stamped_at_head_and_equals_the_models(database, schema):
    done = upgrade_to_head(database, schema)
    assert (done, drift(database, schema), revision_of(database)) == (
        "created", [], service_revisions(schema)[-1])


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_the_baseline_downgrades_to_an_empty_database(database, schema):
    run_revisions(database, schema, BASELINE)
    run_revisions(database, schema, "base", downgrade=True)
    assert (tables(database), revision_of(database)) == (["alembic_version"], None)


def test_a_database_at_head_is_left_as_it_is(database):
    schema = SCHEMAS[0]
    upgrade_to_head(database, schema)
    with database.begin() as conn:
        conn.execute(text("CREATE TABLE kept_by_hand (id INTEGER PRIMARY KEY)"))
    assert (upgrade_to_head(database, schema), "kept_by_hand" in tables(database)) == ("current", True)


def test_a_database_at_head_starts_while_another_process_holds_its_write_lock(tmp_path, monkeypatch):
    """A CLI tool or a bench writing to the file: a service finding its database current needs no
    write lock, so it starts instead of failing with 'database is locked' after the busy timeout."""
    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 0.1)
    engine = make_engine(f"sqlite:///{tmp_path}/service.db")
    upgrade_to_head(engine, SCHEMAS[0])
    writer = sqlite3.connect(tmp_path / "service.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert upgrade_to_head(engine, SCHEMAS[0]) == "current"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        engine.dispose()


def test_a_server_default_a_model_gains_without_a_revision_is_drift(database, monkeypatch):
    registry = next(schema for schema in SCHEMAS if schema.service == "registry")
    run_revisions(database, registry, "head")
    column = registry.base.metadata.tables["outbox_messages"].c.event_type
    monkeypatch.setattr(column, "server_default", DefaultClause("unknown"))
    assert [difference[0][0] for difference in drift(database, registry)] == ["modify_default"]


def test_a_database_a_newer_version_upgraded_stops_the_start_saying_so(database):
    """The previous image started again after a release's revision ran (a rollback, an old pod
    rescheduled mid-rollout): the operator reads what happened, not alembic's 'Can't locate'."""
    upgrade_to_head(database, SCHEMAS[0])
    with database.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(RuntimeError, match="^registry: the database is at revision 0099, newer than this "
                                           "version's newest, 0001: run the version that upgraded it"):
        upgrade_to_head(database, SCHEMAS[0])


def test_a_database_made_before_a_not_null_column_is_not_adopted(database):
    registry = next(schema for schema in SCHEMAS if schema.service == "registry")
    with database.begin() as conn:  # children as no version made them: birth_record_id is NOT NULL
        conn.execute(text("CREATE TABLE children (child_id VARCHAR(32) PRIMARY KEY)"))
    with pytest.raises(RuntimeError, match="children lacks the NOT NULL column birth_record_id"):
        upgrade_to_head(database, registry)
    assert revision_of(database) is None


def test_a_rebuilds_new_tables_and_their_indexes_are_not_drift(database):
    reporting = next(schema for schema in SCHEMAS if schema.service == "reporting")
    upgrade_to_head(database, reporting)
    with database.begin() as conn:  # as bulk_tables.write_new leaves them before its switch
        conn.execute(text("CREATE TABLE child_views_rebuild (child_id VARCHAR(32) PRIMARY KEY, "
                          "registered BOOLEAN)"))
        conn.execute(text("CREATE INDEX ix_child_views_registered_rb ON child_views_rebuild (registered)"))
    assert drift(database, reporting) == []


SCHEMA_TABLES = """
import json
from shared.plumbing.migrate import SERVICES, schema_of
print(json.dumps({s: sorted(schema_of(s).base.metadata.tables) for s in SERVICES}))
"""


def test_each_schema_alone_names_every_table_its_service_has():
    run = subprocess.run([sys.executable, "-W", "ignore", "-c", SCHEMA_TABLES], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert json.loads(run.stdout) == {s.service: sorted(s.base.metadata.tables) for s in SCHEMAS}
