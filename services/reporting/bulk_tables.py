"""New tables written in bulk, then put in the old ones' place (the rebuild, issue 19).

``write_new`` creates ``<table>_rebuild`` beside each table (its columns, no index yet), sends its
rows as one JSON document per 20,000 that PostgreSQL unpacks itself (``json_populate_recordset``: a
COPY-class write, one statement and no per-row work on either side; COPY proper cannot run here, as
psycopg2 refuses it under the wait callback that lets eventlet run the service's other green
threads meanwhile), then builds the indexes under provisional names, and commits: the service still
reads and writes the old tables.
``switch`` then locks the old tables, drops them and renames the new ones and their indexes, in one
transaction: a reader waits for it, never sees a half-written table. PostgreSQL only.
"""

import json
import logging
from typing import Any

from sqlalchemy import Index, MetaData, Table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shared.exceptions import ValidationFailed

NEW = "_rebuild"
NEW_INDEX = "_rb"
CHUNK = 20_000
SWITCH_LOCK_TIMEOUT = "5s"  # how long the switch waits for the tables consumers are writing to
SWITCH_ATTEMPTS = 5
_log = logging.getLogger(__name__)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """The rows, ``CHUNK`` at a time, each chunk one statement with one parameter: the rows as JSON,
    unpacked by the server (``json_populate_recordset``), so nothing is built or sent per row."""
    given = set().union(*(row.keys() for row in rows)) if rows else set()
    names = ", ".join(f'"{column.name}"' for column in table.columns if column.name in given)
    statement = text(f'INSERT INTO "{table.name}" ({names}) SELECT {names} '
                     f'FROM json_populate_recordset(NULL::"{table.name}", :rows)')
    for start in range(0, len(rows), CHUNK):
        session.execute(statement, {"rows": json.dumps(rows[start:start + CHUNK], default=str)})


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
        copy = new_table(session, table)
        insert_rows(session, copy, model_rows)
        for index in table.indexes:
            Index(f"{index.name}{NEW_INDEX}", *(copy.c[c.name] for c in index.columns),
                  unique=index.unique).create(session.connection())
    session.commit()
    return sum(map(len, rows.values()))


def switch(session: Session, models: list[type], attempts: int = SWITCH_ATTEMPTS) -> None:
    """The new tables take the old ones' names (and their indexes the old indexes' names), at once.
    Taking the tables' locks gives up after ``SWITCH_LOCK_TIMEOUT`` and tries again: consumers write
    to them meanwhile, and a lock held while waiting for the next could deadlock with one of their
    batches and throw the rebuild away."""
    for attempt in range(1, attempts + 1):
        try:
            return _switch(session, models)
        except OperationalError:
            session.rollback()
            if attempt == attempts:
                raise
            _log.info("rebuild: the tables were busy; switching again (%s of %s)", attempt + 1, attempts)


def _switch(session: Session, models: list[type]) -> None:
    tables = [model.__table__ for model in models]
    names = ", ".join(f'"{table.name}"' for table in tables)
    session.execute(text(f"SET LOCAL lock_timeout = '{SWITCH_LOCK_TIMEOUT}'"))
    session.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
    for table in tables:
        session.execute(text(f'DROP TABLE "{table.name}"'))
        session.execute(text(f'ALTER TABLE "{table.name}{NEW}" RENAME TO "{table.name}"'))
        for index in table.indexes:
            session.execute(text(f'ALTER INDEX "{index.name}{NEW_INDEX}" RENAME TO "{index.name}"'))
    session.commit()
