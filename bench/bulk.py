"""Bulk end to end (issue 19): a generated province's births loaded through the loader into a fresh
registry and reporting, timed until reporting holds every child the registry stored; then the same
services loaded on to ``MEMORY_RECORDS`` children, and each service's peak RSS at both sizes.

The births are ``register_birth`` records of ``tools.province`` (seed ``BULK_SEED``), written as
``BULK_FORMAT`` in the run's folder and sent by ``python -m tools.load FILE --service registry --rpc
register_birth --batch BATCH_SIZE`` (then ``LOADER_ARGS``) as a subprocess, AMQP_URI and the run's
trust folder in its environment. The clock runs from the loader's start until reporting's child
count reaches the registry's (refused rows are not waited for); its ratio is to the broker's consume
rate of the same run. Without ``tools.load`` the bench sends those ``register_births`` batches
itself and the row's name says so; without ``register_births`` either, not measured.
Peak RSS is each service process's ``VmHWM`` (``/proc/<pid>/status``), flat when the ratio is ≈ 1.
"""

import csv
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from nameko.exceptions import MethodNotFound
from sqlalchemy import Engine, create_engine, func, select, table

from bench import settings
from bench.calls import Caller
from bench.configs import Configuration
from bench.endtoend import RPC, Budget, Platform, running_platform
from bench.results import Figure, NotMeasured, figure, not_measured, shown
from shared.rules.admin_units import admin_units
from tests.support.identities import trust_env
from tools.generate_province import AS_OF
from tools.province import places
from tools.province.people import children
from tools.province.registry_calls import birth_record
from tools.run_platform import QUIET_EVENTLET

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = "12"
LOADED = "bulk end to end: tools.load -> registry -> broker -> reporting"
DIRECT = "bulk end to end: register_births batches sent by the bench (tools.load not importable)"
POLL_SECONDS = 0.5


@dataclass
class Load:
    name: str  # LOADED or DIRECT: how the records were sent
    records: int
    children: int  # what the registry held, and reporting then held, after the load
    seconds: float  # from the first record sent until reporting held them all
    sent_seconds: float  # until the loader (or the last batch) was answered: the rest is reporting's lag

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def birth_records(count: int, seed: int) -> list[dict]:
    """``count`` births of one generated province: the ``register_birth`` records of its children
    that were registered (another seed's children may share their personal ids)."""
    units = admin_units()
    born = count + count // 20 + 10  # ~2% of the generated children were never registered
    kids = children(born, seed, PROVINCE, places.places(units, PROVINCE, seed, None), AS_OF)
    return [birth_record(child, f"bulk{seed}", units) for child in kids if child.registered_on][:count]


def write_records(records: list[dict], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        if path.suffix == ".csv":
            writer = csv.DictWriter(out, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
        else:
            out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    return path


def run_loader(path: Path, budget: Budget) -> None:
    command = [sys.executable, "-m", "tools.load", str(path), "--service", "registry", "--rpc",
               "register_birth", "--batch", str(settings.BATCH_SIZE), *shlex.split(settings.LOADER_ARGS)]
    environment = {**os.environ, "PYTHONWARNINGS": QUIET_EVENTLET, **trust_env(),
                   "AMQP_URI": settings.AMQP_URI}
    log = path.with_suffix(".loader.log")
    with log.open("w") as out:
        try:
            done = subprocess.run(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=budget.left())
        except subprocess.TimeoutExpired:
            raise NotMeasured(f"tools.load had not finished when the budget (BENCH_BULK_BUDGET) was spent; "
                              f"its output: {log}") from None
    if done.returncode:
        last = (log.read_text().strip().splitlines() or ["no output"])[-1]
        raise NotMeasured(f"tools.load exited {done.returncode}: {last[:200]} (all of it: {log})")


def send_batches(records: list[dict], budget: Budget) -> None:
    """``register_births`` from the bench itself, ``BATCH_SIZE`` records a call."""
    with Caller(RPC, settings.CALL_TIMEOUT) as caller:
        for start in range(0, len(records), settings.BATCH_SIZE):
            if not budget.left():
                raise NotMeasured("the budget (BENCH_BULK_BUDGET) was spent while sending batches")
            try:
                caller.call("registry", "register_births", records[start:start + settings.BATCH_SIZE])
            except MethodNotFound:
                raise NotMeasured("neither tools.load nor registry.register_births exists yet") from None


def count_rows(url: str, name: str) -> int:
    engine = create_engine(url)
    try:
        return rows_in(engine, name)
    finally:
        engine.dispose()


def rows_in(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table(name))).scalar_one()


def await_children(url: str, target: int, budget: Budget) -> None:
    """Until reporting's database (``url``) holds ``target`` child views; gives up after
    ``CALL_TIMEOUT`` s without progress or when the budget is spent. Read from its database, not
    asked over RPC: a reporting busy applying events answers an RPC late, which is not the figure."""
    seen, progressed = -1, time.monotonic()
    engine = create_engine(url)
    try:
        while (count := rows_in(engine, "child_views")) < target:
            if count > seen:
                seen, progressed = count, time.monotonic()
            idle = time.monotonic() - progressed
            if idle > settings.CALL_TIMEOUT or not budget.left():
                raise NotMeasured(f"reporting held {seen:,} of the registry's {target:,} children, "
                                  f"none more in the last {idle:.0f} s")
            time.sleep(POLL_SECONDS)
    finally:
        engine.dispose()


def load(records: list[dict], path: Path, platform: Platform, budget: Budget) -> Load:
    """Send ``records``, wait until reporting holds what the registry stored; how long it all took."""
    write_records(records, path)
    started = time.perf_counter()
    if importlib.util.find_spec("tools.load") is not None:
        name = LOADED
        run_loader(path, budget)
    else:
        name = DIRECT
        send_batches(records, budget)
    sent = time.perf_counter() - started
    stored = count_rows(platform.urls["registry"], "children")
    await_children(platform.urls["reporting"], stored, budget)
    made = Load(name, len(records), stored, time.perf_counter() - started, sent)
    print(f"  (bulk: {made.records:,} births answered in {sent:.0f} s, {made.children:,} children in "
          f"reporting after {made.seconds:.0f} s)", flush=True)
    return made


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set size (``VmHWM``) in MB; None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kilobytes = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")),
                     None)
    return None if kilobytes is None else kilobytes / 1024


def peaks(platform: Platform) -> dict[str, float | None]:
    return {process.service: peak_rss_mb(process.proc.pid) for process in platform.processes if process.proc}


def memory_figures(first: dict[str, float | None], second: dict[str, float | None] | None,
                   small: Load, large: Load | str) -> dict[str, Figure]:
    made = {}
    for service, base in first.items():
        name = f"peak RSS of {service}"
        if isinstance(large, str) or second is None:
            made[name] = not_measured(f"at {small.children:,} children {shown(base)} MB; "
                                      f"the larger load: {large or 'skipped (BENCH_MEMORY_RECORDS=0)'}", "MB")
        else:
            made[name] = figure(second[service], "MB", base, f"its peak at {small.children:,} children",
                                goal="flat (≈ 1.0)", note=f"at {large.children:,} children; loading "
                                f"{large.records:,} more took {large.seconds:.0f} s ({large.rate:.0f}/s)")
    return made


def figures(configuration: Configuration, workdir: Path, consume_rate: float) -> dict[str, Figure]:
    folder = workdir / "bulk"
    folder.mkdir(parents=True, exist_ok=True)
    budget, kind = Budget(settings.BULK_BUDGET), settings.BULK_FORMAT
    births = birth_records(max(settings.BULK_RECORDS, settings.MEMORY_RECORDS), settings.BULK_SEED)
    first_births, more = births[:settings.BULK_RECORDS], births[settings.BULK_RECORDS:]
    with running_platform(configuration, folder, budget) as platform:
        try:
            small = load(first_births, folder / f"births-{len(first_births)}.{kind}", platform, budget)
        except NotMeasured as exc:
            return {LOADED: not_measured(str(exc), "records/s"), "peak RSS": not_measured(str(exc), "MB")}
        first, second, large = peaks(platform), None, ""
        if more:
            try:
                large = load(more, folder / f"births-more-{len(more)}.{kind}", platform, budget)
                second = peaks(platform)
            except Exception as exc:  # the first size's figures stand; this one says why it is missing
                large = str(exc) if isinstance(exc, NotMeasured) else f"{type(exc).__name__}: {exc}"
    bulk = figure(small.rate, "records/s", consume_rate, "broker consume (A-consume)", goal="≥ 0.5",
                  note=f"{small.records:,} births ({kind}) in {small.seconds:.1f} s, of which "
                       f"{small.sent_seconds:.1f} s until the loader was answered (its start included) and "
                       f"the rest reporting's lag; reporting then held {small.children:,} children; "
                       f"{configuration.label}")
    return {small.name: bulk, **memory_figures(first, second, small, large)}
