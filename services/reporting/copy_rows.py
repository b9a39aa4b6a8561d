"""Rows into a PostgreSQL table with ``COPY … FROM STDIN`` (the rebuild's new tables, issue 19).

``copy_format`` says how a row reads in COPY's text format, one formatter per column chosen from its
type once (JSON as ``json.dumps``, booleans as ``t``/``f``, NULL as ``\\N``, numbers, dates and
times as ``str``, text with backslash, tab and line ends escaped), so a value reaches its column as
``json_populate_recordset`` gave it before. psycopg2 refuses COPY while a wait callback is set, and
eventlet sets one so that a query lets the service's other green threads run; ``copy_rows``
therefore COPYs ``CHUNK`` rows at a time with the callback off (``blocking_psycopg``: the service
waits for that one chunk, as for any blocking call) and yields between chunks. Each chunk's text is
made as psycopg2 reads it (``Streamed``), so PostgreSQL parses while Python formats. The rows go
over the session's own connection, inside its transaction.
"""

import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from psycopg2 import extensions
from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, Table
from sqlalchemy.orm import Session

CHUNK = 20_000  # rows per COPY: ~0.1 s during which the service's other green threads wait
READ_SIZE = 1 << 16  # characters psycopg2 asks for at a time
NULL = "\\N"
ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
Format = Callable[[Any], str]


def escaped(value: Any) -> str:
    """Text as COPY reads it: most has nothing to escape (printable, no backslash)."""
    if type(value) is not str:  # str() would store another text than the insert path: say so instead
        raise TypeError(f"a {type(value).__name__} in a text column")
    return value if value.isprintable() and "\\" not in value else value.translate(ESCAPES)


ENCODE_JSON = json.JSONEncoder(default=str).encode  # made once: json.dumps(default=…) makes one a call


def as_json(value: Any) -> str:
    """JSON with only ASCII in it (``\\uXXXX``, ``\\n``): only its backslashes need escaping."""
    return ENCODE_JSON(value).replace("\\", "\\\\")


def as_boolean(value: Any) -> str:
    if type(value) is not bool:  # "false" would be true here
        raise TypeError(f"a {type(value).__name__} in a boolean column")
    return "t" if value else "f"


def formatter(column: Column) -> Format:
    """``str`` for numbers, dates and times (nothing in them to escape), else by type."""
    if isinstance(column.type, JSON):
        return as_json
    if isinstance(column.type, Boolean):
        return as_boolean
    if isinstance(column.type, Integer | Float | Date | DateTime):
        return str
    return escaped


def copy_format(table: Table, rows: list[dict[str, Any]]) -> tuple[str, Callable[[dict[str, Any]], str]]:
    """The COPY statement for the columns ``rows`` give, and how one row reads in its text format."""
    given = set().union(*map(dict.keys, rows)) if rows else set()
    columns = [column for column in table.columns if column.name in given]
    formats = [(column.name, formatter(column)) for column in columns]

    def line(row: dict[str, Any]) -> str:
        return "\t".join([NULL if (value := row.get(name)) is None else form(value)
                          for name, form in formats]) + "\n"
    names = ", ".join(f'"{column.name}"' for column in columns)
    return f'COPY "{table.name}" ({names}) FROM STDIN', line


def copy_text(table: Table, rows: list[dict[str, Any]]) -> tuple[str, io.StringIO]:
    """The COPY statement and every row's text, made now (the bench's baseline times COPY alone)."""
    statement, line = copy_format(table, rows)
    return statement, io.StringIO("".join(map(line, rows)))


class Streamed:
    """COPY's input made as psycopg2 reads it: PostgreSQL parses the rows sent while the next are
    formatted (two processes, so both cores work)."""

    def __init__(self, rows: list[dict[str, Any]], line: Callable[[dict[str, Any]], str]) -> None:
        self.lines, self.rest = map(line, rows), ""

    def read(self, size: int = -1) -> str:
        parts, length = [self.rest], len(self.rest)
        while size < 0 or length < size:
            text = next(self.lines, None)
            if text is None:
                break
            parts.append(text)
            length += len(text)
        text = "".join(parts)
        if size < 0:
            self.rest = ""
            return text
        self.rest = text[size:]
        return text[:size]


@contextmanager
def blocking_psycopg() -> Iterator[None]:
    """psycopg2 without eventlet's wait callback (COPY refuses it); the callback back afterwards."""
    previous = extensions.get_wait_callback()
    extensions.set_wait_callback(None)
    try:
        yield
    finally:
        extensions.set_wait_callback(previous)


def copy_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """``rows`` into ``table`` in the session's transaction, ``CHUNK`` per COPY."""
    cursor = session.connection().connection.dbapi_connection.cursor()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        statement, line = copy_format(table, chunk)
        with blocking_psycopg():
            cursor.copy_expert(statement, Streamed(chunk, line), size=READ_SIZE)
        time.sleep(0)  # under eventlet, the service's other green threads run between chunks
