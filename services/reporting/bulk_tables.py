"""New tables written in bulk, then put in the old ones' place (the rebuild, issue 19).

``write_new`` creates ``<table>_rebuild`` beside each table (its columns, no index yet), COPYs its
rows into it (``copy_rows``: 20,000 rows per COPY, each with eventlet's wait callback off, which
psycopg2's COPY refuses, the service's other green threads running between two), then builds the
indexes under provisional names, and commits: the service still reads and writes the old tables.
``switch`` then locks the old tables, drops them and renames the new ones and their indexes, in one
transaction: a reader waits for it, never sees a half-written table. PostgreSQL only.
"""

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Index, MetaData, Table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from services.reporting.copy_rows import copy_rows
from shared.exceptions import ValidationFailed

NEW = "_rebuild"
NEW_INDEX = "_rb"
SWITCH_LOCK_TIMEOUT = "5s"  # how long the switch waits for the tables consumers are writing to
SWITCH_ATTEMPTS = 5
_log = logging.getLogger(__name__)


def new_table(session: Session, table: Table) -> Table:
    """``<table>_rebuild``, empty, with the table's columns and keys but no index yet."""
    copy = table.to_metadata(MetaData(), name=f"{table.name}{NEW}")
    copy.indexes.clear()
    copy.drop(session.connection(), checkfirst=True)
    copy.create(session.connection())
    return copy


def write_new(session: Session, rows: dict[type, list[dict[str, Any]]]) -> int:
    """Every model's new table, its rows and its indexes, committed; how many rows were written."""
    if session.get_bind().dialect.name != "postgresql":
        raise ValidationFailed({"DB_URL": ["The rebuild writes with PostgreSQL's COPY: reporting's "
                                           "database is not PostgreSQL."]})
    for model, model_rows in rows.items():
        table = model.__table__
        new = new_table(session, table)
        copy_rows(session, new, model_rows)
        for index in table.indexes:
            Index(f"{index.name}{NEW_INDEX}", *(new.c[c.name] for c in index.columns),
                  unique=index.unique).create(session.connection())
    session.commit()
    return sum(map(len, rows.values()))


def switch(session: Session, models: list[type], attempts: int = SWITCH_ATTEMPTS,
           also: Callable[[Session], None] | None = None) -> None:
    """The new tables take the old ones' names (and their indexes the old indexes' names), at once.
    Taking the tables' locks gives up after ``SWITCH_LOCK_TIMEOUT`` and tries again: consumers write
    to them meanwhile, and a lock held while waiting for the next could deadlock with one of their
    batches and throw the rebuild away. ``also`` runs in the switch's transaction once the tables are
    locked, on every attempt (a rollback undoes what an earlier attempt did)."""
    for attempt in range(1, attempts + 1):
        try:
            return _switch(session, models, also)
        except OperationalError:
            session.rollback()
            if attempt == attempts:
                raise
            _log.info("rebuild: the tables were busy; switching again (%s of %s)", attempt + 1, attempts)


def _switch(session: Session, models: list[type], also: Callable[[Session], None] | None) -> None:
    tables = [model.__table__ for model in models]
    names = ", ".join(f'"{table.name}"' for table in tables)
    session.execute(text(f"SET LOCAL lock_timeout = '{SWITCH_LOCK_TIMEOUT}'"))
    session.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
    if also is not None:  # no report is between counting the old tables and keeping what it counted
        also(session)
    for table in tables:
        session.execute(text(f'DROP TABLE "{table.name}"'))
        session.execute(text(f'ALTER TABLE "{table.name}{NEW}" RENAME TO "{table.name}"'))
        for index in table.indexes:
            session.execute(text(f'ALTER INDEX "{index.name}{NEW_INDEX}" RENAME TO "{index.name}"'))
        _restore_key_names(session, table)
    session.commit()


PRIMARY_KEY = text("SELECT conname FROM pg_constraint WHERE conrelid = CAST(:table AS regclass) "
                   "AND contype = 'p'")
SERIAL_SEQUENCE = text("SELECT pg_get_serial_sequence(:table, :column)")


def _restore_key_names(session: Session, table: Table) -> None:
    """Give the renamed table's primary key and id sequence the names the migrations made (PostgreSQL
    named them after ``<table>_rebuild``): a later revision finds them by those names."""
    key = session.execute(PRIMARY_KEY, {"table": table.name}).scalar()
    wanted = table.primary_key.name or f"{table.name}_pkey"
    if key is not None and key != wanted:
        session.execute(text(f'ALTER TABLE "{table.name}" RENAME CONSTRAINT "{key}" TO "{wanted}"'))
    for column in table.primary_key.columns:
        sequence = session.execute(SERIAL_SEQUENCE, {"table": table.name, "column": column.name}).scalar()
        wanted = f"{table.name}_{column.name}_seq"
        if sequence is not None and sequence.rsplit(".", 1)[-1] != wanted:  # schema-qualified, quoted
            session.execute(text(f'ALTER SEQUENCE {sequence} RENAME TO "{wanted}"'))
