"""Reporting alone (issue 19): how many events a second its handlers apply through the real broker, and
that rate's ratio to the broker's own consume rate measured in the same run (``bench.run.broker_rates``).

Reporting runs as a ``nameko run`` process (catch-up off) on a fresh database of each configuration
(``bench.configs``); the bench publishes a stream of envelopes to the exchanges reporting's handlers
listen on (``<source>.events``, routing key the event type, as nameko dispatches them; no confirms, so
publishing is never the bottleneck) and times from the first publish until ``processed_events`` holds
them all (after one warm-up event). Two streams: ``birth_registered`` envelopes of distinct children
(``PROJECTION_EVENTS``), and a generated province's mix (``tests.support.event_streams.province_stream``,
``PROJECTION_CHILDREN`` children); ``PROJECTION_STREAMS`` picks them. ``PROJECTION_PROFILE=DIR`` runs
reporting under cProfile (``DIR/<config>-<stream>.prof``); ``PROJECTION_PYSPY=<py-spy binary>`` samples
it while it applies (``<logs>/<config>-<stream>.pyspy.txt``, collapsed stacks).

    python -m bench.projection   # BENCH_CONFIGS=sqlite,postgresql AMQP_URI=amqp://.../vhost
"""

import cProfile  # noqa: F401  (the profiled process runs it as ``-m cProfile``)
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kombu import Connection, Producer
from sqlalchemy import create_engine, func, select, table

from bench import settings
from bench.configs import Configuration, chosen
from bench.endtoend import RPC, STOP_TIMEOUT
from bench.queues import purge
from bench.run import broker_rates
from services.reporting.service import ReportingService
from tests.support.event_streams import province_stream
from tests.support.factories import make_birth_envelope
from tests.support.identities import trust_env
from tests.support.processes import wait_ready
from tools.run_platform import QUIET_EVENTLET

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("PROJECTION_EVENTS", 5000))
CHILDREN = int(os.environ.get("PROJECTION_CHILDREN", 1000))
PROFILE = os.environ.get("PROJECTION_PROFILE", "")
SAMPLER = os.environ.get("PROJECTION_PYSPY", "")  # a py-spy binary: sample reporting while it applies
STREAMS = os.environ.get("PROJECTION_STREAMS", "births,province")
POLL_SECONDS = 0.2


def births(count: int) -> list[dict]:
    return [make_birth_envelope() for _ in range(count)]


def streams() -> dict[str, list[dict]]:
    makers = {"births": lambda: births(EVENTS), "province": lambda: province_stream(CHILDREN)}
    return {name: makers[name]() for name in STREAMS.split(",")}


def start_reporting(url: str, folder: Path, profile: Path | None) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONWARNINGS": QUIET_EVENTLET, **trust_env(),
                   "AMQP_URI": settings.AMQP_URI, "REPORTING_DB_URL": url, "CATCH_UP_INTERVAL": "0",
                   "LOG_LEVEL": "WARNING", "REPORTING_WEB_SERVER_ADDRESS": f"127.0.0.1:{settings.WEB_PORT}"}
    wrapper = ["-m", "cProfile", "-o", str(profile)] if profile else []
    command = [sys.executable, *wrapper, "-m", "nameko", "run", "--config", "services/reporting/config.yml",
               "services.reporting.service"]
    log = open(folder / "reporting.log", "a")
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(RPC, "reporting", "view_stats", timeout=120)
    except BaseException:
        stop(process)
        raise
    return process


def sample(pid: int, output: Path) -> subprocess.Popen:
    """py-spy recording ``pid`` (raw, collapsed stacks) until it is sent SIGINT."""
    sampler = subprocess.Popen([SAMPLER, "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                                "--nonblocking", "-o", str(output)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached before the first event is published
    return sampler


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT * 3)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def publish(envelopes: list[dict]) -> None:
    with Connection(settings.AMQP_URI) as conn:
        producer = Producer(conn.channel())
        for envelope in envelopes:
            producer.publish(json.dumps(envelope), exchange=f"{envelope['source']}.events",
                             routing_key=envelope["event_type"], content_type="application/json",
                             delivery_mode=2)


def processed(url: str, target: int, timeout: float) -> None:
    engine = create_engine(url)
    seen, progressed = -1, time.monotonic()
    try:
        while True:
            with engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(table("processed_events"))).scalar_one()
            if count >= target:
                return
            if count > seen:
                seen, progressed = count, time.monotonic()
            if time.monotonic() - progressed > timeout:
                raise TimeoutError(f"reporting stuck at {count} of {target} events")
            time.sleep(POLL_SECONDS)
    finally:
        engine.dispose()


def warm_up(url: str) -> None:
    """One event applied before the clock starts: its batch loads the admin units (~1.5 s, once per
    process), which is start-up, not the rate."""
    publish(births(1))
    processed(url, 1, settings.CALL_TIMEOUT)


def rate(configuration: Configuration, name: str, envelopes: list[dict], folder: Path) -> float:
    """Events/s reporting applied ``envelopes`` at, on a fresh database of ``configuration``."""
    purge(settings.AMQP_URI, [ReportingService])
    url = configuration.databases(folder / f"{configuration.key}-{name}")["reporting"]
    profile = Path(PROFILE) / f"{configuration.key}-{name}.prof" if PROFILE else None
    process = start_reporting(url, folder, profile)
    warm_up(url)
    sampler = sample(process.pid, folder / f"{configuration.key}-{name}.pyspy.txt") if SAMPLER else None
    try:
        started = time.perf_counter()
        publish(envelopes)
        processed(url, len(envelopes) + 1, settings.CALL_TIMEOUT)
        return len(envelopes) / (time.perf_counter() - started)
    finally:
        if sampler:
            sampler.send_signal(signal.SIGINT)
            sampler.wait(timeout=60)
        stop(process)
        purge(settings.AMQP_URI, [ReportingService])


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="ecd-projection-"))
    made = streams()
    consume = statistics.median(broker_rates()[1] for _ in range(settings.ROUNDS))
    print(f"broker consume (manual ack, prefetch 100): {consume:,.0f} msg/s; logs in {folder}")
    for configuration in chosen(settings.CONFIGS):
        for name, envelopes in made.items():
            events_per_s = rate(configuration, name, envelopes, folder)
            print(f"{configuration.key:<10} {name:<9} {len(envelopes):>6} events "
                  f"{events_per_s:>8,.0f} events/s  ratio to consume {events_per_s / consume:.4f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
