"""Database dependency provider: SQLAlchemy 2, one session per worker, cooperative under eventlet.

``Database(schema)`` reads ``DB_URL`` from the container config in ``setup()``, builds the engine,
upgrades the service's database to its newest revision (``shared.plumbing.migrations``), hands
each worker a fresh ``Session`` and closes it after the worker. The embedded default is a SQLite
file per service under ``var/``; PostgreSQL is one URL away.

A nameko service is one OS thread of green threads, so a database call must never wait inside C for
something another green thread of the same process holds. PostgreSQL: psycopg2 waits on its socket
through eventlet's wait callback (set here, where nameko starts the service), so a slow query
blocks only its own worker. SQLite: a second writer would wait in C, in SQLite's busy handler, for
a write lock held by a green thread that can then never run; so a process's SQLite write
transactions take one green lock first (``SqliteWriters``: taken at a transaction's first write,
given back at its commit or rollback) and wait for it cooperatively. The rule that goes with it, for
every path: no transaction stays open across broker or RPC I/O (see ``shared/plumbing/outbox.py``).
"""

import logging
import re
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from shared.plumbing.config_keys import DB_URL_KEY
from shared.plumbing.migrations import Schema, upgrade_to_head

_log = logging.getLogger(__name__)
SQLITE_BUSY_SECONDS = 10  # only another process (a CLI tool, a test) can hold the lock now
WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
HOLDS_WRITE_LOCK = "ecd_holds_sqlite_write_lock"
_SQLITE_WRITERS: "weakref.WeakKeyDictionary[Engine, SqliteWriters]" = weakref.WeakKeyDictionary()
_FILE_LOCKS: dict[str, Semaphore] = {}  # one per database file, however many engines open it


class SqliteWriters:
    """One SQLite write transaction at a time per database file in this process, waited for by green
    threads, not in C."""

    def __init__(self, engine: Engine, path: str) -> None:
        self.lock = _FILE_LOCKS.setdefault(str(Path(path).resolve()), Semaphore(1))
        event.listen(engine, "before_cursor_execute", self.before_execute)
        for name in ("commit", "rollback"):
            event.listen(engine, name, self.release)
        event.listen(engine.pool, "checkin", self.release_record)  # after the pool's rollback
        event.listen(engine.pool, "invalidate", self.release_record)  # before its info is cleared
        _SQLITE_WRITERS[engine] = self

    def before_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if WRITE_STATEMENT.match(statement):
            self.hold(conn)

    def hold(self, conn) -> None:
        """Take the lock for the rest of ``conn``'s transaction (once)."""
        if not conn.info.get(HOLDS_WRITE_LOCK):
            self.lock.acquire()
            conn.info[HOLDS_WRITE_LOCK] = True

    def release(self, conn) -> None:
        if not conn.invalidated:  # an invalidated one gave the lock back in its invalidate event
            self._give_back(conn.info)

    def release_record(self, _dbapi_connection, record, *_exception) -> None:
        self._give_back(record.info)  # returned or dropped mid-transaction: rolled back, not committed

    def _give_back(self, info: dict) -> None:
        if info.pop(HOLDS_WRITE_LOCK, False):
            self.lock.release()


# PostgreSQL's JIT compiles a statement whose estimated cost is high before running it: the province
# report's one wide count statement (over a hundred conditional counts) spent 50-60 s compiling and
# 1.5-2 s running (3,000 children, 2 cores). No statement of ours gains from it: off on every session.
POSTGRES_OPTIONS = "-c jit=off"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite files get their folder, WAL mode and the process's writer lock;
    PostgreSQL sessions run without JIT compilation (``POSTGRES_OPTIONS``)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS,
                                                  "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        SqliteWriters(engine, path)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                         connect_args={"options": POSTGRES_OPTIONS})


SQLITE_MMAP_BYTES = 2 * 1024**3  # a province's reporting file (~0.8 GB at 250 k children) read in place
SQLITE_CACHE_KIB = 64 * 1024  # per connection, grown as used (SQLite's default is 2 MB)


def sqlite_writers(engine: Engine) -> SqliteWriters | None:
    """The writer lock of a SQLite engine made by ``make_engine`` (None for any other engine)."""
    return _SQLITE_WRITERS.get(engine)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL; and reads served from memory: a province report at 250 k children makes millions of index
    look-ups, and through SQLite's default 2 MB cache and read() calls it took 1.6 times as long."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def cooperative_psycopg() -> None:
    """Let psycopg2 wait on its socket through eventlet (``monkey_patch()`` does this too; a
    service must not depend on who patched what, so it is checked where the service starts)."""
    from psycopg2 import extensions

    if extensions.get_wait_callback() is None:
        from eventlet.support.psycopg2_patcher import make_psycopg_green

        make_psycopg_green()


def dialect_insert(session: Session) -> Any:
    """The ``insert`` of the session's dialect, which has ``on_conflict_do_*`` (an upsert)."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]


# in the order of the locks themselves (hashes), each once, in one round trip
ADVISORY_LOCKS = text("SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(k) AS h "
                      "FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS locks")


@contextmanager
def ending_open_transaction(session: Session) -> Iterator[None]:
    """Leave no transaction open, whatever happens inside: nameko sends the RPC reply, or parks a
    failed event, before it tears the worker down, and a write transaction left open would hold its
    locks across that broker I/O."""
    try:
        yield
    finally:
        if session.in_transaction():
            session.rollback()


def lock_keys(session: Session, keys: Iterable[str]) -> None:
    """Serialise the transactions that work on any of ``keys`` until this one ends (a check, then
    the write it allows). PostgreSQL: advisory locks, always taken in the same order, so two writers
    never wait for each other. SQLite: this process's write lock, taken now instead of at the first
    write, where a writer that had to wait could be overtaken by another one's check."""
    keys = sorted(set(keys))
    if not keys:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(ADVISORY_LOCKS, {"keys": keys})
    elif (writers := _SQLITE_WRITERS.get(conn.engine)) is not None:
        writers.hold(conn)


def begin_for_savepoints(session: Session) -> None:
    """Open the session's transaction for real before its first SAVEPOINT. pysqlite (Python 3.11's
    sqlite3, legacy transaction control) sends BEGIN only before an INSERT, UPDATE or DELETE, so a
    SAVEPOINT sent first would itself be the outermost transaction, and its RELEASE would commit
    what the enclosing rollback is meant to undo; PostgreSQL's transaction is always open."""
    conn = session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def lock_key(session: Session, key: str) -> None:
    lock_keys(session, [key])


class Database(DependencyProvider):
    """Inject a SQLAlchemy ``Session`` bound to the service's own database, upgraded to its newest
    revision at setup (``Schema``); a bare declarative base (a test's sample service, no revisions)
    gets its tables as its models say."""

    def __init__(self, schema: Schema | type[DeclarativeBase]) -> None:
        self.schema = schema
        self.engine: Engine | None = None
        self.sessions: dict = {}

    def setup(self) -> None:
        url = self.container.config[DB_URL_KEY]
        if url.startswith("postgresql"):
            cooperative_psycopg()
        self.engine = make_engine(url)
        if isinstance(self.schema, Schema):
            upgrade_to_head(self.engine, self.schema)
        else:
            self.schema.metadata.create_all(self.engine)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    def get_dependency(self, worker_ctx) -> Session:
        session = self.session_factory()
        self.sessions[worker_ctx] = session
        return session

    def worker_teardown(self, worker_ctx) -> None:
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.close()

    def stop(self) -> None:
        """Close what a worker left open, then the pool. nameko sends an RPC reply before it
        tears the worker down, so a container killed right after a reply (a test's teardown, a
        second SIGTERM) skipped ``worker_teardown``: its session stayed 'idle in transaction',
        holding locks until the process died."""
        for worker_ctx in list(self.sessions):
            try:
                self.worker_teardown(worker_ctx)
            except Exception:  # a connection lost mid-transaction: the others still close
                _log.warning("a worker's session did not close cleanly", exc_info=True)
        if self.engine is not None:
            self.engine.dispose()

    def kill(self) -> None:
        self.stop()
