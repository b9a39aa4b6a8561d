"""The yardstick: broker ceiling, bare nameko RPC, then registry -> reporting and education ->
reporting end to end, the registry's write latency under ten callers and the province report, in
each database configuration of ``BENCH_CONFIGS`` (SQLite as ``make run`` has it, PostgreSQL), and
the matching of newborns' records (``bench.matching``), then issue 19's figures (``bench.collect``:
bulk load, single writes, province report, relay, rebuild, COPY, peak RSS), in ONE run, printed and
written to ``var/bench.json`` (``BENCH_JSON``).

Everything runs on this machine against the same RabbitMQ (``AMQP_URI``) and PostgreSQL
(``BENCH_PG_URL``). Each rate is the median of ``ROUNDS`` rounds after a warm-up, with the same message
size (a real ``birth_registered`` envelope), and is also printed as a ratio of the baselines measured
in the same run: A broker publish, B no-op RPC, C births from 1 caller on PostgreSQL. Every wait is
bounded (see ``bench.settings``): a configuration that freezes prints what it got, the reason, and
skips its remaining rows, and the run goes on. Nothing here is asserted: it prints.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation notice
    import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from kombu import Connection, Consumer, Exchange, Producer, Queue  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench import matching, settings  # noqa: E402
from bench.collect import collect  # noqa: E402
from bench.configs import chosen  # noqa: E402
from bench.endtoend import STARTED, run_configuration, timed  # noqa: E402
from bench.queues import consumed, shared_message  # noqa: E402
from bench.results import ROOT, run_metadata  # noqa: E402
from bench.table import HEADER, Baselines, configuration_rows, print_figures, print_rows  # noqa: E402
from tests.support.factories import make_birth_envelope  # noqa: E402
from tests.support.identities import everyone  # noqa: E402
from tests.support.processes import ServiceProcess, wait_ready  # noqa: E402

BODY = json.dumps(make_birth_envelope())


def broker_rates() -> tuple[float, float]:
    exchange = Exchange("bench.ceiling", type="direct", durable=True)
    queue = Queue("bench.ceiling", exchange, routing_key="bench", durable=True)
    with Connection(settings.AMQP_URI, transport_options={"confirm_publish": True}) as conn:
        queue(conn.channel()).declare()
        queue(conn.channel()).purge()
        producer = Producer(conn.channel(), exchange=exchange, routing_key="bench")

        def publish(count):
            for _ in range(count):
                producer.publish(BODY, content_type="application/json", delivery_mode=2)

        publish(500)  # warm-up
        consume(conn, queue, 500)
        publish_s = timed(lambda: publish(settings.BROKER_MESSAGES))
        consume_s = timed(lambda: consume(conn, queue, settings.BROKER_MESSAGES))
    return settings.BROKER_MESSAGES / publish_s, settings.BROKER_MESSAGES / consume_s


def consume(conn, queue, count: int) -> None:
    received = []
    channel = conn.channel()
    channel.basic_qos(0, 100, False)
    with Consumer(channel, queues=[queue], callbacks=[lambda body, msg: (msg.ack(), received.append(1))],
                  accept=["json"]):
        while len(received) < count:
            conn.drain_events(timeout=10)


def noop_rpc_rate(workdir: Path) -> float:
    process = ServiceProcess("bench_noop", {}, workdir, ["--broker", settings.AMQP_URI, "bench.noop_service"])
    process.start()
    try:
        config = {"AMQP_URI": settings.AMQP_URI}
        wait_ready(config, "bench_noop", "ping", {})
        payload = json.loads(BODY)
        calls = settings.RPC_CALLS
        with ClusterRpcProxy(config, timeout=30, context_data={"authorization": everyone()}) as rpc:
            for _ in range(100):  # warm-up
                rpc.bench_noop.ping(payload)
            return calls / timed(lambda: [rpc.bench_noop.ping(payload) for _ in range(calls)])
    finally:
        process.stop()


def baselines(workdir: Path) -> Baselines:
    broker = [broker_rates() for _ in range(settings.ROUNDS)]
    noop = statistics.median(noop_rpc_rate(workdir) for _ in range(settings.ROUNDS))
    return Baselines(publish=statistics.median(r[0] for r in broker),
                     consume=statistics.median(r[1] for r in broker), noop=noop)


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("amqp").setLevel(logging.ERROR)  # "Received method ... during closing channel"
    configurations = chosen(settings.CONFIGS)
    busy = consumed(settings.AMQP_URI, list(STARTED))
    if busy:
        print(f"Cannot bench: {shared_message(settings.AMQP_URI, busy)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="ecd-bench-"))
    print(f"ECD platform benchmark — {settings.ROUNDS} rounds, medians; envelope {len(BODY)} bytes; "
          f"{os.cpu_count()} cores; configurations {', '.join(c.key for c in configurations)}; "
          f"per call {settings.CALL_TIMEOUT:g} s, per configuration {settings.CONFIG_BUDGET:g} s at most; "
          f"logs in {workdir}" + (f"; {settings.NOTE}" if settings.NOTE else "") + "\n", flush=True)
    base = baselines(workdir)
    print_rows([HEADER, *base.rows()])
    outcomes = []
    for configuration in configurations:
        outcomes.append(run_configuration(configuration, workdir))
        print(f"  ({configuration.label} done in {outcomes[-1].seconds:.0f} s)", flush=True)
    base.births_one = next((statistics.median(o.rates["births 1"]) for o in outcomes
                            if o.configuration.key == "postgresql" and o.rates.get("births 1")), None)
    for outcome in outcomes:
        print()
        print_rows(configuration_rows(outcome, base))
    print()
    print_rows(matching.rows())
    results = collect(base, outcomes, configurations, workdir)
    run = run_metadata([c.key for c in configurations], knobs(), time.monotonic() - started)
    path = results.write(ROOT / settings.JSON_PATH, run)
    print(f"\nIssue 19's figures, each against its baseline of this run (also in {path}):")
    print_figures(results.rows())
    print(f"\nwhole run {run['seconds']:.0f} s")
    return 0


def knobs() -> dict:
    """The run's settings as the JSON keeps them: the servers' addresses left out (they carry
    passwords), a token given to the loader masked."""
    kept = {name: value for name, value in vars(settings).items()
            if name.isupper() and not name.endswith(("_URI", "_URL"))}
    kept["LOADER_ARGS"] = re.sub(r"(--token[= ])\S+", r"\1***", settings.LOADER_ARGS)
    return kept


if __name__ == "__main__":
    sys.exit(main())
