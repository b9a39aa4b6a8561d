"""One database configuration end to end: registry, education and reporting as real processes, and
the measurements that drive them, each bounded so that a frozen configuration still gives figures.

First the registry's single writes under ten concurrent callers, each call timed (after a short
warm-up); then, ``ROUNDS`` times, births through the registry until reporting has applied them,
from 1 and from 10 callers; the same for enrolments through education; and last the province
report. Any measurement that does not complete (a call unanswered within ``CALL_TIMEOUT``, reporting
making no progress for as long, the configuration's budget spent) ends the configuration: its
figure is what it got, and the rows after it are skipped with the reason. The services' queues are
purged before and after, so what a frozen configuration left unanswered does not reach the next.
"""

import statistics
import subprocess
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import settings
from bench.calls import Caller, NoAnswer, Tally, send
from bench.configs import Configuration
from bench.queues import purge
from services.education.service import EducationService
from services.registry.service import RegistryService
from services.reporting.service import ReportingService
from tests.support.factories import make_birth, make_enrolment
from tests.support.processes import ServiceProcess, wait_ready

RPC = {"AMQP_URI": settings.AMQP_URI}
STARTED = (ReportingService, EducationService, RegistryService)  # consumers before producers
PROBES = {"reporting": "view_stats"}
START_TIMEOUT = 60
STOP_TIMEOUT = 20
ENVIRONMENT = {"AMQP_URI": settings.AMQP_URI, "LOG_LEVEL": "WARNING", "CATCH_UP_INTERVAL": "0",
               "REGISTRY_WEB_SERVER_ADDRESS": f"127.0.0.1:{settings.WEB_PORT + 1}",
               "REPORTING_WEB_SERVER_ADDRESS": f"127.0.0.1:{settings.WEB_PORT}",
               "EDUCATION_WEB_SERVER_ADDRESS": f"127.0.0.1:{settings.WEB_PORT + 3}"}
TITLES = {"latency": f"register_birth, {settings.CONCURRENT_CALLERS} callers",
          **{f"{kind} {n}": f"{source} -> reporting, {n} caller{'s' if n > 1 else ''}"
             for kind, source in (("births", "registry"), ("enrolments", "education"))
             for n in (1, settings.CONCURRENT_CALLERS)},
          "report": "province report"}


class Stop(Exception):
    """A measurement that did not complete: what it got (its row's figure) and why the rest is skipped."""

    def __init__(self, row: str, figure: str, reason: str) -> None:
        super().__init__(reason)
        self.row, self.figure, self.reason = row, figure, reason


@dataclass
class Outcome:
    """What one configuration gave; ``stopped`` says why the rows without a figure were skipped."""

    configuration: Configuration
    folder: Path
    rates: dict[str, list[float]] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    latency: Tally | None = None
    report_seconds: float | None = None
    children: int = 0
    stopped: str = ""
    seconds: float = 0.0


@dataclass
class Platform:
    """The services one configuration runs: their database URLs and their processes."""

    urls: dict[str, str]
    processes: list[ServiceProcess]


class Budget:
    def __init__(self, seconds: float) -> None:
        self.seconds, self.deadline = seconds, time.monotonic() + seconds

    def left(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def check(self, row: str) -> None:
        if not self.left():
            raise Stop(row, "not run", f"the configuration's budget of {self.seconds:g} s "
                                       "(BENCH_CONFIG_BUDGET) was spent before it")


def run_configuration(configuration: Configuration, workdir: Path) -> Outcome:
    folder = workdir / configuration.key
    folder.mkdir(parents=True, exist_ok=True)
    outcome = Outcome(configuration, folder)
    started, budget = time.monotonic(), Budget(settings.CONFIG_BUDGET)
    try:
        with running_platform(configuration, folder, budget) as platform:
            measure(outcome, platform.urls, budget)
    except Stop as stop:
        outcome.figures[stop.row] = stop.figure
        outcome.stopped = f"{TITLES[stop.row]}: {stop.reason}"
    except Exception as exc:  # a database or service that would not start: say why, go on
        outcome.stopped = f"{type(exc).__name__}: {exc}"[:300]
        (folder / "error.txt").write_text(traceback.format_exc())
    outcome.seconds = time.monotonic() - started
    return outcome


@contextmanager
def running_platform(configuration: Configuration, folder: Path, budget: Budget) -> Iterator[Platform]:
    """Start the services on ``configuration``'s databases; yield them; stop them, however it went."""
    purge(settings.AMQP_URI, list(STARTED))
    urls = configuration.databases(folder)
    environment = {**ENVIRONMENT, **{f"{name.upper()}_DB_URL": url for name, url in urls.items()}}
    processes = [ServiceProcess(service.name, environment, folder) for service in STARTED]
    try:
        for process in processes:
            process.start()
            wait_ready(RPC, process.service, PROBES.get(process.service, "events_since"),
                       timeout=min(START_TIMEOUT, budget.left()))
        yield Platform(urls, processes)
    finally:
        stop_all(processes)
        purge(settings.AMQP_URI, list(STARTED))


def stop_all(processes: list[ServiceProcess]) -> None:
    """One SIGTERM each, then SIGKILL for whatever has not exited within ``STOP_TIMEOUT`` s (a frozen
    service does not)."""
    for process in processes:
        if process.alive():
            process.proc.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in processes:
        if process.proc is None:
            continue
        try:
            process.proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()


def measure(outcome: Outcome, urls: dict[str, str], budget: Budget) -> None:
    applied = write_latency(outcome, budget)
    applied = birth_rates(outcome, budget, applied)
    children = registered_children(urls["registry"])
    enrolment_rates(outcome, budget, children, applied)
    outcome.report_seconds = report_seconds(budget)
    outcome.children = len(children)


def birth_rates(outcome: Outcome, budget: Budget, applied: int) -> int:
    for round_ in range(settings.ROUNDS):
        for callers in (1, settings.CONCURRENT_CALLERS):
            records = births(settings.REGISTRATIONS, f"{round_}-{callers}")
            applied = rate(outcome, budget, f"births {callers}", "registry", "register_birth", records,
                           callers, applied)
    return applied


def enrolment_rates(outcome: Outcome, budget: Budget, children: list[str], applied: int) -> int:
    size = settings.REGISTRATIONS
    slices = iter(children[i:i + size] for i in range(0, len(children), size))
    for round_ in range(settings.ROUNDS):
        for callers in (1, settings.CONCURRENT_CALLERS):
            records = enrolments(next(slices), f"e{round_}-{callers}")
            applied = rate(outcome, budget, f"enrolments {callers}", "education", "record_enrolment",
                           records, callers, applied)
    return applied


def write_latency(outcome: Outcome, budget: Budget) -> int:
    """Single ``register_birth`` calls from ``CONCURRENT_CALLERS`` callers, each timed; reporting
    applies them all before the rates start. Returns how many events reporting has applied."""
    warm_up = births(settings.WARMUP_CALLS * settings.CONCURRENT_CALLERS, "warm-up")
    for records, label in ((warm_up, "warm-up"), (births(settings.REGISTRATIONS, "latency"), "")):
        budget.check("latency")
        outcome.latency = send(RPC, "registry", "register_birth", records, settings.CONCURRENT_CALLERS,
                               budget.deadline, settings.CALL_TIMEOUT, label)
        require_complete(outcome.latency, "latency")
    return await_reporting(0, len(warm_up) + settings.REGISTRATIONS, budget, "latency")


def rate(outcome: Outcome, budget: Budget, row: str, service: str, method: str, records: list[dict],
         callers: int, applied: int) -> int:
    """Records per second from the first call until reporting has applied every one of their events."""
    budget.check(row)
    started = time.perf_counter()
    tally = send(RPC, service, method, records, callers, budget.deadline, settings.CALL_TIMEOUT)
    require_complete(tally, row)
    applied = await_reporting(applied, len(records), budget, row)
    outcome.rates.setdefault(row, []).append(len(records) / (time.perf_counter() - started))
    return applied


def require_complete(tally: Tally, row: str) -> None:
    """Raise ``Stop`` unless every call of ``tally`` was answered without error."""
    if tally.complete:
        return
    during = f" in the {tally.label}" if tally.label else ""
    if tally.timed_out:
        verdict = "froze"
    elif tally.errors:
        verdict = "failed"
    else:
        verdict = "stopped"
    why = tally.stopped or f"calls answered with an error (first: {tally.first_error})"
    raise Stop(row, f"{verdict}{during}: {tally.counts()}", f"{verdict}{during}: {why}")


def await_reporting(applied: int, new: int, budget: Budget, row: str) -> int:
    """Wait until reporting has applied ``new`` more events than ``applied``; give up after
    ``CALL_TIMEOUT`` s without progress or when the budget is spent."""
    target, progressed, seen = applied + new, time.monotonic(), applied
    with Caller(RPC, settings.CALL_TIMEOUT) as caller:
        while seen < target:
            count = processed_events(caller)
            if count > seen:
                seen, progressed = count, time.monotonic()
            if seen < target:
                stalled(seen - applied, new, time.monotonic() - progressed, budget, row)
                time.sleep(0.1)
    return target


def stalled(done: int, new: int, idle: float, budget: Budget, row: str) -> None:
    """Raise ``Stop`` when reporting made no progress for ``CALL_TIMEOUT`` s, or the budget is spent."""
    if idle > settings.CALL_TIMEOUT:
        why = f"reporting applied {done} of their {new} events, none in the last {idle:.0f} s"
    elif not budget.left():
        why = (f"reporting had applied {done} of their {new} events when the configuration's budget "
               f"of {budget.seconds:g} s (BENCH_CONFIG_BUDGET) was spent")
    else:
        return
    raise Stop(row, f"{new}/{new} answered; {why}", why)


def processed_events(caller: Caller) -> int:
    try:
        return caller.call("reporting", "view_stats")["processed_events"]
    except Exception:  # NoAnswer from a frozen reporting, or an error: no progress seen
        return -1


def births(count: int, tag: str) -> list[dict]:
    born = date(2024, 1, 1)
    return [make_birth(record_id=f"bench-{tag}-{i}",
                       date_of_birth=(born + timedelta(days=i % 300)).isoformat()) for i in range(count)]


def enrolments(children: list[str], tag: str) -> list[dict]:
    """Enrol each child in a creche for 2025-2026 (born in 2024: 8-20 months old)."""
    return [make_enrolment(child_id, record_id=f"bench-{tag}-{i}", level="creche", school_year="2025-2026",
                           start_date="2025-09-05", school_code=f"NT-{i % 50}")
            for i, child_id in enumerate(children)]


def registered_children(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT child_id FROM children ORDER BY child_id")).scalars())
    finally:
        engine.dispose()


def report_seconds(budget: Budget) -> float:
    """One indicator report (registry, health and education figures) for the province, by commune."""
    budget.check("report")
    with Caller(RPC, settings.REPORT_TIMEOUT) as caller:
        try:
            caller.call("reporting", "indicators", "12", "2026-06-30")  # warm-up
            return statistics.median(timed(lambda: caller.call("reporting", "indicators", "12", "2026-06-30",
                                                               None, True)) for _ in range(settings.ROUNDS))
        except NoAnswer:
            raise Stop("report", f"no answer within {settings.REPORT_TIMEOUT:g} s",
                       f"no answer within {settings.REPORT_TIMEOUT:g} s (BENCH_REPORT_TIMEOUT)") from None


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
