"""Every service's revisions make exactly its models' schema on the real PostgreSQL: from an empty
database, from each earlier revision, and from a database made before migrations (adopted); the
baseline downgrades to nothing. Two upgrades at once (two replicas starting) upgrade the database once,
under the advisory lock; ``python -m shared.plumbing.migrate`` upgrades the database the service's
environment names, and says which service it could not upgrade."""

import os
import subprocess
import sys

import eventlet
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.reporting import bulk_tables
from services.reporting.orm import (
    ChildView,
    Fact,
    IdentityLink,
    MergedId,
    ProcessedEvent,
    ResidencePeriod,
    SourcePosition,
)
from shared.plumbing import migrations
from shared.plumbing.db import cooperative_psycopg, make_engine
from shared.plumbing.migrations import BASELINE, service_revisions, upgrade_to_head
from tests.support.infra import DB_PREFIX
from tests.support.migrations import (
    SCHEMAS,
    drift,
    drop_everything,
    make_before_migrations,
    revision_of,
    run_revisions,
    tables,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def database_url(infra):
    """A database of its own, so dropping every table touches no other test's."""
    name = f"{DB_PREFIX}_migrations"
    admin = create_engine(infra.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield infra.pg_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def database(database_url):
    engine = make_engine(database_url)
    drop_everything(engine)
    yield engine
    engine.dispose()


def by_service(schema):
    return schema.service


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_an_empty_database_upgraded_by_the_revisions_equals_the_models(database, schema):
    run_revisions(database, schema, "head")
    assert (drift(database, schema), revision_of(database)) == ([], service_revisions(schema)[-1])


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_a_database_at_each_earlier_revision_upgraded_at_start_equals_the_models(database, schema):
    head = service_revisions(schema)[-1]
    for revision in service_revisions(schema):
        drop_everything(database)
        run_revisions(database, schema, revision)
        done = upgrade_to_head(database, schema)
        assert (done, drift(database, schema), revision_of(database)) == (
            "current" if revision == head else "upgraded", [], head)


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_a_database_made_before_migrations_is_adopted_and_equals_the_models(database, schema):
    make_before_migrations(database, schema)
    done = upgrade_to_head(database, schema)
    assert (done, drift(database, schema), revision_of(database)) == (
        "adopted", [], service_revisions(schema)[-1])


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_the_baseline_downgrades_to_an_empty_database(database, schema):
    run_revisions(database, schema, BASELINE)
    run_revisions(database, schema, "base", downgrade=True)
    assert (tables(database), revision_of(database)) == (["alembic_version"], None)


def test_two_upgrades_at_once_upgrade_the_database_once(database, database_url):
    """Two replicas starting together: each green thread's statements yield to the other's, so
    without the lock both find the database empty and the second CREATE TABLE fails."""
    cooperative_psycopg()
    registry = next(schema for schema in SCHEMAS if schema.service == "registry")
    engines = [make_engine(database_url) for _ in range(2)]
    upgrades = [eventlet.spawn(upgrade_to_head, engine, registry) for engine in engines]
    done = sorted(upgrade.wait() for upgrade in upgrades)
    for engine in engines:
        engine.dispose()
    assert (done, drift(database, registry)) == (["created", "current"], [])


def test_the_command_upgrades_each_service_database_named_in_its_environment(database, database_url):
    environment = {**os.environ, "REGISTRY_DB_URL": database_url, "PYTHONWARNINGS": "ignore"}
    run = subprocess.run([sys.executable, "-m", "shared.plumbing.migrate", "registry"], cwd=ROOT,
                         env=environment, capture_output=True, text=True, timeout=60)
    registry = next(schema for schema in SCHEMAS if schema.service == "registry")
    assert (run.returncode, run.stdout, drift(database, registry)) == (0, "registry: database created\n", [])


def test_the_command_says_which_service_it_could_not_upgrade(tmp_path):
    environment = {**os.environ, "HEALTH_DB_URL": "postgresql+psycopg2://postgres@127.0.0.1:1/none",
                   "PYTHONWARNINGS": "ignore"}
    run = subprocess.run([sys.executable, "-m", "shared.plumbing.migrate", "health"], cwd=ROOT,
                         env=environment, capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr.startswith("health: the database upgrade failed: "
                                                                "OperationalError: ")) == (1, "", True)


NAMED_OBJECTS = text("SELECT 'constraint ' || conrelid::regclass || '.' || conname FROM pg_constraint "
                     "WHERE connamespace = 'public'::regnamespace UNION ALL "
                     "SELECT 'sequence ' || sequencename FROM pg_sequences WHERE schemaname = 'public' "
                     "ORDER BY 1")


def test_a_rebuild_keeps_the_names_the_revisions_gave_keys_and_sequences(database):
    """A later revision names them (``op.drop_constraint("child_views_pkey")``, a sequence's
    ``setval``): after a rebuild swapped its tables in, they must still be there by those names,
    which ``compare_metadata`` never compares."""
    reporting = next(schema for schema in SCHEMAS if schema.service == "reporting")
    upgrade_to_head(database, reporting)
    with database.connect() as conn:
        made = conn.execute(NAMED_OBJECTS).scalars().all()
    rebuilt = [ChildView, Fact, IdentityLink, MergedId, ProcessedEvent, SourcePosition, ResidencePeriod]
    for _ in range(2):  # the second rebuild finds the first's names taken
        with Session(database) as session:
            bulk_tables.write_new(session, {model: [] for model in rebuilt})
            bulk_tables.switch(session, rebuilt)
    with database.connect() as conn:
        assert conn.execute(NAMED_OBJECTS).scalars().all() == made


CATALOG = text("SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' UNION ALL "
               "SELECT 'column ' || concat_ws(' ', table_name, column_name, data_type, "
               "character_maximum_length, is_nullable, column_default, collation_name) "
               "FROM information_schema.columns "
               "WHERE table_schema = 'public' ORDER BY 1")


@pytest.mark.parametrize("schema", SCHEMAS, ids=by_service)
def test_an_empty_database_made_at_start_is_the_one_the_revisions_make_name_for_name(database, schema):
    """``create_all`` stamped at head is a shortcut for running the revisions: equal in what
    ``compare_metadata`` leaves out too (constraint, index and sequence names, defaults, collations)."""
    def catalog() -> list[str]:
        with database.connect() as conn:
            return conn.execute(NAMED_OBJECTS).scalars().all() + conn.execute(CATALOG).scalars().all()
    run_revisions(database, schema, "head")
    made_by_revisions = catalog()
    drop_everything(database)
    assert (upgrade_to_head(database, schema), catalog()) == ("created", made_by_revisions)


def test_an_upgrade_queued_behind_a_long_transaction_gives_way_then_says_why(database, monkeypatch):
    """An ALTER waiting for a table a report reads would hold every later reader of that table behind
    it: each attempt gives up after LOCK_TIMEOUT_MS, and the last says what holds the tables."""
    registry = next(schema for schema in SCHEMAS if schema.service == "registry")
    make_before_migrations(database, registry)
    with database.begin() as conn:  # a nullable column the adoption adds: an ALTER TABLE
        conn.execute(text("ALTER TABLE children DROP COLUMN ward"))
    monkeypatch.setattr(migrations, "LOCK_TIMEOUT_MS", 50)
    monkeypatch.setattr(migrations, "LOCK_ATTEMPTS", 2)
    with database.connect() as report:
        report.execute(text("SELECT count(*) FROM children"))  # its transaction stays open
        with pytest.raises(RuntimeError, match="^registry: the upgrade could not lock its tables in 2 "
                                               "attempts of 50 ms: a long transaction holds them"):
            upgrade_to_head(database, registry)
        report.execute(text("SELECT count(*) FROM children"))  # not held up behind a queued ALTER
    assert (upgrade_to_head(database, registry), drift(database, registry)) == ("adopted", [])
