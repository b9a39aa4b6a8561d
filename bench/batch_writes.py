"""Births/s into the registry alone: ``register_births`` (batches) against ``register_birth`` one at a
time, in the same run, on SQLite and PostgreSQL; then one batch of 1,000 under cProfile.

``python -m bench.batch_writes [--sqlite-only] [--singles N] [--batched N] [--batch N]
[--without-matcher]``. The registry
runs in this process (a nameko container; its events go to a sink queue bound to ``registry.events``),
called through a ``ClusterRpcProxy`` from one caller, so both figures include the RPC round trip.
Figures on a shared machine are noisy: read the ratio, which both sides of one run share.
"""

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

from kombu import Connection, Exchange, Queue  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from services.registry.service import RegistryService  # noqa: E402
from tests.support.factories import make_birth  # noqa: E402
from tests.support.identities import everyone, trust_config  # noqa: E402

AMQP_URI = os.environ.get("BENCH_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
PG_DB = os.environ.get("BENCH_PG_DB", "ecd_bench_batch_registry")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def births(count: int, tag: str) -> list[dict]:
    """Births spread over two years (the matcher looks at the births of a window around each one: a
    bench where every child shares one birthday would measure that window, not the write)."""
    records = []
    for n in range(count):
        born = date(2023, 1, 1) + timedelta(days=(n * 7919) % 730)
        records.append(make_birth(record_id=f"{tag}-{n}", date_of_birth=born.isoformat(),
                                  registration_date=(born + timedelta(days=10)).isoformat()))
    return records


class Registry:
    """The registry in this process, a sink for its events, and a caller."""

    def __init__(self, db_url: str) -> None:
        self.config = {"AMQP_URI": AMQP_URI, "DB_URL": db_url,
                       "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
                       "CATCH_UP_INTERVAL": 0, "max_workers": 10, **trust_config("registry")}

    def __enter__(self) -> "Registry":
        self.sink_name = f"bench-batch-sink-{uuid.uuid4().hex}"
        self.conn = Connection(AMQP_URI)
        Queue(self.sink_name, Exchange("registry.events", type="topic", durable=True), routing_key="#",
              exclusive=True)(self.conn.channel()).declare()  # gone with this connection, even after a crash
        self.container = ServiceContainer(RegistryService, self.config)
        self.container.start()
        self.proxy = ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=600,
                                     context_data={"authorization": everyone()})
        self.rpc = self.proxy.start().registry
        return self

    def __exit__(self, *_: object) -> None:
        self.proxy.stop()
        self.container.stop()
        self.conn.release()


def rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def measure(db_url: str, singles: int, batched: int, batch: int, profile: bool) -> dict[str, float]:
    with Registry(db_url) as registry:
        registry.rpc.register_birth(make_birth(record_id="warm-up"))
        started = time.perf_counter()
        for record in births(singles, "single"):
            registry.rpc.register_birth(record)
        one_by_one = rate(singles, started)
        records = births(batched, "batched")
        started = time.perf_counter()
        for start in range(0, batched, batch):
            answers = registry.rpc.register_births(records[start:start + batch])
            assert all(answer["status"] == "accepted" for answer in answers), answers[:3]
        in_batches = rate(batched, started)
        figures = {"one_by_one": one_by_one, "in_batches": in_batches}
        if profile:
            figures["profile"] = profiled(registry, births(1000, "profiled"))
    return figures


def profiled(registry: Registry, records: list[dict]) -> str:
    """One batch of 1,000 under cProfile (the caller and the service share this process's thread)."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    registry.rpc.register_births(records)
    profiler.disable()
    seconds = time.perf_counter() - started
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    return f"one batch of 1,000: {seconds:.2f} s\n{out.getvalue()}"


def fresh_postgres() -> str:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}"'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}"


def drop_postgres() -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def registry_databases(sqlite_only: bool) -> Iterator[dict[str, str]]:
    """The registry's database URLs for a run, by backend: a SQLite file, and a fresh PostgreSQL
    database unless ``sqlite_only`` (dropped afterwards)."""
    with tempfile.TemporaryDirectory() as folder:
        urls = {"sqlite": f"sqlite:///{Path(folder) / 'registry.db'}"}
        if not sqlite_only:
            urls["postgresql"] = fresh_postgres()
        try:
            yield urls
        finally:
            if not sqlite_only:
                drop_postgres()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--batched", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--profile", choices=("sqlite", "postgresql", "none"), default="postgresql")
    parser.add_argument("--without-matcher", action="store_true",
                        help="the registry's after_write (its matcher, per birth) off: the kit's write alone")
    args = parser.parse_args()
    if args.without_matcher:
        RegistryService.after_write = lambda self, response: None
    with registry_databases(args.sqlite_only) as urls:
        for backend, url in urls.items():
            figures = measure(url, args.singles, args.batched, args.batch, args.profile == backend)
            print(f"{backend}: register_birth one by one {figures['one_by_one']:.0f} births/s; "
                  f"register_births ({args.batch} a call) {figures['in_batches']:.0f} births/s; "
                  f"ratio {figures['in_batches'] / figures['one_by_one']:.1f}", flush=True)
            if "profile" in figures:
                print(figures["profile"], flush=True)


if __name__ == "__main__":
    main()
