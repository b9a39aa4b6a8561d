"""Schema migrations: each service database's tables made and changed by its own alembic revisions.

A service declares its ``Schema`` (its models' declarative base and the folder of its revisions,
``services/<svc>/migrations/versions``); this package holds the one alembic environment they all share
(``env.py``, ``script.py.mako``). ``upgrade_to_head`` brings a database to the newest revision, under
a lock (PostgreSQL: an advisory lock; SQLite: the write lock, taken first), so two replicas or
processes starting at once upgrade it once. An EMPTY database gets ``create_all`` and is stamped at
head: the drift test (``tests/unit/test_migrations.py``) proves the revisions make exactly the
models' schema, and one CREATE per table is what every test container's fresh database can afford.
A database made before migrations (tables, no version) is adopted: the baseline revision is replayed
skipping what exists (a table present gains the baseline's nullable columns it lacks, an index
present is kept: what ``create_all`` with ``add_missing_columns``/``add_missing_indexes`` did), it
is stamped at the baseline, then upgraded like any other.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.operations.ops import AddColumnOp, CreateIndexOp, CreateTableOp, MigrateOperation
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase

ENVIRONMENT = Path(__file__).parent  # env.py and script.py.mako, for every service
BASELINE = "0001"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's error code when lock_timeout ran out
LOCK_KEY = "ecd-migrate:{service}"
# PostgreSQL: how long one statement of an upgrade waits for a table's lock, and how often the whole
# upgrade is tried. An ALTER queued behind a long transaction (a province report) blocks every reader of
# that table behind it; giving up and trying again lets them through.
LOCK_TIMEOUT_MS = 5000
LOCK_ATTEMPTS = 6
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schema:
    """A service database: its models, the folder of the revisions that make them, and the suffixes
    of names (tables, indexes) it makes and drops while it runs, which are not part of the schema."""

    service: str
    base: type[DeclarativeBase]
    versions: Path
    transient: tuple[str, ...] = ()

    def counts(self, name: str | None, type_: str, _parents: Any = None) -> bool:
        """Whether alembic compares this table or index (``include_name``)."""
        return not (self.transient and name and type_ in ("table", "index") and name.endswith(self.transient))

    def context_options(self, connection: Connection) -> dict[str, Any]:
        """What ``env.py`` and the drift test configure alembic's context with."""
        return {"target_metadata": self.base.metadata, "include_name": self.counts, "compare_type": True,
                "compare_server_default": True,  # alembic's default leaves a DEFAULT a model gained unseen
                "render_as_batch": connection.dialect.name == "sqlite"}


def alembic_config(schema: Schema, connection: Connection | None = None) -> Config:
    """alembic's configuration for ``schema``, run on ``connection`` (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(ENVIRONMENT))
    config.set_main_option("version_locations", str(schema.versions))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes.update(schema=schema, connection=connection)
    return config


@cache
def scripts(schema: Schema) -> ScriptDirectory:
    """The schema's revisions, read once per process."""
    return ScriptDirectory.from_config(alembic_config(schema))


def upgrade_to_head(engine: Engine, schema: Schema) -> str:
    """Bring the database to the newest revision; what it did: created, adopted, upgraded or current.
    A database at head is read without the lock (a SQLite file another process writes to, a long
    upgrade running elsewhere do not hold up a start that has nothing to do); any other, under it."""
    head = scripts(schema).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return "current"
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            return _upgrade_under_lock(engine, schema, head)
        except OperationalError as error:
            if getattr(error.orig, "pgcode", None) != LOCK_NOT_AVAILABLE:
                raise
            _log.warning("%s: the upgrade waited %d ms for a table another transaction holds (attempt %d "
                         "of %d)", schema.service, LOCK_TIMEOUT_MS, attempt, LOCK_ATTEMPTS)
    raise RuntimeError(f"{schema.service}: the upgrade could not lock its tables in {LOCK_ATTEMPTS} attempts "
                       f"of {LOCK_TIMEOUT_MS} ms: a long transaction holds them (a report, a rebuild, a "
                       "session left open: pg_stat_activity); it gave way each time so readers were not "
                       "held up behind it. Start again once that transaction ends")


def _upgrade_under_lock(engine: Engine, schema: Schema, head: str) -> str:
    with migration_lock(engine, schema.service) as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return "current"
        if current is None and not _tables(conn, schema):
            schema.base.metadata.create_all(conn)
            _stamp(conn, schema, head)
            return "created"
        if current is not None and current not in service_revisions(schema):
            raise RuntimeError(f"{schema.service}: the database is at revision {current}, newer than this "
                               f"version's newest, {head}: run the version that upgraded it, or restore "
                               "the backup taken before that upgrade")
        done = "upgraded"
        if current is None:
            adopt(conn, schema)
            done = "adopted"
        command.upgrade(alembic_config(schema, conn), "head")
        _log.info("%s: database %s to %s", schema.service, done, head)
        return done


@contextmanager
def migration_lock(engine: Engine, service: str) -> Iterator[Connection]:
    """A connection in a transaction no other upgrade of this database runs beside, committed at the
    end. PostgreSQL: an advisory lock held until the commit (its DDL is transactional); SQLite: the
    file's write lock, taken at BEGIN (after this process's own writer lock, waited for by green
    threads), so the second process's check waits for the first's commit."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                         {"key": LOCK_KEY.format(service=service)})
            # set after the advisory lock: waiting for another replica's upgrade is not timed
            conn.execute(text(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}"))
        elif conn.dialect.name == "sqlite":
            _hold_sqlite_writers(conn)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
        conn.commit()


def _hold_sqlite_writers(conn: Connection) -> None:
    from shared.plumbing.db import sqlite_writers  # db.py's provider imports this package

    writers = sqlite_writers(conn.engine)
    if writers is not None:
        writers.hold(conn)


def _tables(conn: Connection, schema: Schema) -> set[str]:
    """The schema's tables this database holds."""
    return set(inspect(conn).get_table_names()) & set(schema.base.metadata.tables)


def _stamp(conn: Connection, schema: Schema, revision: str) -> None:
    MigrationContext.configure(conn).stamp(scripts(schema), revision)


def adopt(conn: Connection, schema: Schema) -> None:
    """Bring a database made before migrations to the baseline and stamp it there: the baseline's
    operations replayed, skipping a table or an index that exists and adding to an existing table
    the nullable columns it lacks. A NOT NULL column missing cannot be made up: that stops it."""
    baseline = scripts(schema).get_revision(BASELINE).module
    operations = Operations(MigrationContext.configure(conn))
    operations.invoke = Adopting(operations).invoke  # what the revision's ``op`` calls run through
    operations._install_proxy()
    try:
        baseline.upgrade()
    finally:
        operations._remove_proxy()
    _stamp(conn, schema, BASELINE)
    _log.warning("%s: a database made before migrations was brought to the baseline (%s) and stamped",
                 schema.service, BASELINE)


class Adopting:
    """Runs only the operations whose result an existing database lacks (``adopt``)."""

    def __init__(self, operations: Operations) -> None:
        self.run = operations.invoke
        self.bind = operations.get_bind()

    def invoke(self, operation: MigrateOperation) -> Any:
        inspector = inspect(self.bind)
        if isinstance(operation, CreateTableOp) and inspector.has_table(operation.table_name):
            return self._add_missing_columns(operation, inspector)
        if isinstance(operation, CreateIndexOp) and inspector.has_table(operation.table_name):
            present = {index["name"] for index in inspector.get_indexes(operation.table_name)}
            if operation.index_name in present:
                return None
        return self.run(operation)

    def _add_missing_columns(self, operation: CreateTableOp, inspector: Any) -> None:
        present = {column["name"] for column in inspector.get_columns(operation.table_name)}
        for column in operation.columns:
            name = getattr(column, "name", None)
            if name is None or name in present or not hasattr(column, "nullable"):
                continue  # a constraint, or a column the table has
            if not column.nullable:
                raise RuntimeError(f"{operation.table_name} lacks the NOT NULL column {name}: adopting "
                                   "this database needs a hand-written migration")
            self.run(AddColumnOp(operation.table_name, column))


def service_revisions(schema: Schema) -> list[str]:
    """The schema's revision ids, oldest first (the drift test's stairway)."""
    return [script.revision for script in reversed(list(scripts(schema).walk_revisions()))]

