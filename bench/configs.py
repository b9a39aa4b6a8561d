"""The database configurations the end-to-end part runs in, chosen with ``BENCH_CONFIGS``.

"sqlite" is what ``make run`` uses: every service's ``<SERVICE>_DB_URL`` left at an embedded SQLite
file, here one per service in a fresh folder of the run's own. "postgresql" gives the services the
bench runs fresh ``<BENCH_DB_PREFIX>_<service>`` databases (``ecd_bench_<service>`` by default) on
``BENCH_PG_URL``'s server. Each configuration
turns a folder into the environment variables that point every service at its databases.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.settings import DB_PREFIX, PG_URL

ALL_SERVICES = ("registry", "health", "education", "protection", "reporting")
PG_SERVICES = ("registry", "reporting", "education")  # the ones the bench starts


@dataclass(frozen=True)
class Configuration:
    key: str
    label: str
    where: str
    databases: Callable[[Path], dict[str, str]]  # folder of the run -> service -> database URL


def sqlite_databases(folder: Path) -> dict[str, str]:
    """A SQLite file per service, as ``sqlite:///var/<service>.db`` is for ``make run``."""
    databases = folder / "databases"
    shutil.rmtree(databases, ignore_errors=True)
    databases.mkdir(parents=True)
    return {service: f"sqlite:///{databases}/{service}.db" for service in ALL_SERVICES}


def postgres_databases(_folder: Path) -> dict[str, str]:
    """Empty ``<DB_PREFIX>_<service>`` databases (dropped first if a run left them)."""
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    urls = {}
    try:
        with engine.connect() as conn:
            for service in PG_SERVICES:
                name = f"{DB_PREFIX}_{service}"
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                conn.execute(text(f"CREATE DATABASE {name}"))
                urls[service] = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        engine.dispose()
    return urls


CONFIGURATIONS = {
    "sqlite": Configuration("sqlite", "SQLite (make run's default)",
                         "one file per service, <logs>/sqlite/databases/<service>.db", sqlite_databases),
    "postgresql": Configuration("postgresql", "PostgreSQL",
                             f"{DB_PREFIX}_<service> on BENCH_PG_URL's server", postgres_databases),
}


def chosen(spec: str) -> list[Configuration]:
    """The configurations named in ``spec`` ("sqlite,postgresql"), in its order."""
    keys = [key.strip().lower() for key in spec.split(",") if key.strip()]
    unknown = [key for key in keys if key not in CONFIGURATIONS]
    if unknown or not keys:
        raise SystemExit(f"BENCH_CONFIGS={spec!r}: name one or more of {', '.join(CONFIGURATIONS)}")
    return [CONFIGURATIONS[key] for key in dict.fromkeys(keys)]
