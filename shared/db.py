"""Database dependency provider: SQLAlchemy 2, one session per worker.

``Database(Base)`` reads ``DB_URL`` from the container config in ``setup()``, builds the engine and
creates the service's tables, hands each worker a fresh ``Session`` and closes it after the worker.
The embedded default is a SQLite file per service under ``var/``; PostgreSQL is one URL away.
Nothing else in a service opens a connection.
"""

from pathlib import Path

from nameko.extensions import DependencyProvider
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from shared.config_keys import DB_URL_KEY


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite files get their folder, a busy timeout and WAL mode."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database(DependencyProvider):
    """Inject a SQLAlchemy ``Session`` bound to the service's own database."""

    def __init__(self, base: type[DeclarativeBase]) -> None:
        self.base = base
        self.engine: Engine | None = None
        self.sessions: dict = {}

    def setup(self) -> None:
        self.engine = make_engine(self.container.config[DB_URL_KEY])
        self.base.metadata.create_all(self.engine)
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
            self.worker_teardown(worker_ctx)
        if self.engine is not None:
            self.engine.dispose()

    def kill(self) -> None:
        self.stop()
