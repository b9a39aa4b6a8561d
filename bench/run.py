"""The yardstick: broker ceiling, bare nameko RPC, registry -> reporting and education -> reporting end
to end, and the indicator report over everything loaded, in ONE run.

Everything runs on this machine against the same RabbitMQ (``AMQP_URI``) and PostgreSQL
(``BENCH_PG_URL``). Each figure is the median of ``ROUNDS`` rounds after a warm-up, with the same
message size (a real ``birth_registered`` envelope), and the end-to-end rates are also printed as
ratios of the baselines measured in the same run. Nothing here is asserted: it prints.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation notice
    import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

from eventlet.greenpool import GreenPool  # noqa: E402
from kombu import Connection, Consumer, Exchange, Producer, Queue  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.support.factories import make_birth, make_birth_envelope, make_enrolment  # noqa: E402
from tests.support.processes import ServiceProcess, wait_ready, wait_until  # noqa: E402

AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
BROKER_MESSAGES = int(os.environ.get("BENCH_BROKER_MESSAGES", 5000))
RPC_CALLS = int(os.environ.get("BENCH_RPC_CALLS", 1000))
REGISTRATIONS = int(os.environ.get("BENCH_REGISTRATIONS", 1000))
CONCURRENT_CALLERS = 10
PROBES = {"reporting": "view_stats"}
BODY = json.dumps(make_birth_envelope())


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def broker_rates() -> tuple[float, float]:
    exchange = Exchange("bench.ceiling", type="direct", durable=True)
    queue = Queue("bench.ceiling", exchange, routing_key="bench", durable=True)
    with Connection(AMQP_URI, transport_options={"confirm_publish": True}) as conn:
        queue(conn.channel()).declare()
        queue(conn.channel()).purge()
        producer = Producer(conn.channel(), exchange=exchange, routing_key="bench")

        def publish(count):
            for _ in range(count):
                producer.publish(BODY, content_type="application/json", delivery_mode=2)

        publish(500)  # warm-up
        consume(conn, queue, 500)
        publish_s = timed(lambda: publish(BROKER_MESSAGES))
        consume_s = timed(lambda: consume(conn, queue, BROKER_MESSAGES))
    return BROKER_MESSAGES / publish_s, BROKER_MESSAGES / consume_s


def consume(conn, queue, count: int) -> None:
    received = []
    channel = conn.channel()
    channel.basic_qos(0, 100, False)
    with Consumer(channel, queues=[queue], callbacks=[lambda body, msg: (msg.ack(), received.append(1))],
                  accept=["json"]):
        while len(received) < count:
            conn.drain_events(timeout=10)


def noop_rpc_rate(workdir: Path) -> float:
    process = ServiceProcess("bench_noop", {}, workdir, ["--broker", AMQP_URI, "bench.noop_service"])
    process.start()
    try:
        config = {"AMQP_URI": AMQP_URI}
        wait_ready(config, "bench_noop", "ping", {})
        payload = json.loads(BODY)
        with ClusterRpcProxy(config, timeout=30) as rpc:
            for _ in range(100):  # warm-up
                rpc.bench_noop.ping(payload)
            return RPC_CALLS / timed(lambda: [rpc.bench_noop.ping(payload) for _ in range(RPC_CALLS)])
    finally:
        process.stop()


def fresh_databases() -> dict[str, str]:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    urls = {}
    with engine.connect() as conn:
        for service in ("registry", "reporting", "education"):
            name = f"ecd_bench_{service}"
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
            urls[service] = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    engine.dispose()
    return urls


def births(count: int, tag: str) -> list[dict]:
    born = date(2024, 1, 1)
    return [make_birth(record_id=f"bench-{tag}-{i}",
                       date_of_birth=(born + timedelta(days=i % 300)).isoformat()) for i in range(count)]


def rate_through(config: dict, service: str, method: str, records: list[dict], callers: int,
                 already: int) -> float:
    """Send ``records`` to ``service.method`` from ``callers`` concurrent callers; the rate counts
    until reporting has applied every one of their events."""
    pool = GreenPool(callers)

    def send(chunk):
        with ClusterRpcProxy(config, timeout=60) as rpc:
            for record in chunk:
                getattr(getattr(rpc, service), method)(record)

    def run():
        list(pool.imap(send, [records[i::callers] for i in range(callers)]))
        with ClusterRpcProxy(config, timeout=60) as rpc:
            wait_until(lambda: rpc.reporting.view_stats()["processed_events"] >= already + len(records),
                       300, f"the view to hold every {method} event")

    return len(records) / timed(run)


def end_to_end_rate(config: dict, callers: int, tag: str, already: int) -> float:
    return rate_through(config, "registry", "register_birth", births(REGISTRATIONS, tag), callers, already)


def enrolment_rate(config: dict, children: list[str], callers: int, tag: str, already: int) -> float:
    """Enrol each child in a creche for 2025-2026 (born in 2024: 8-20 months old)."""
    records = [make_enrolment(child_id, record_id=f"bench-{tag}-{i}", level="creche", school_year="2025-2026",
                              start_date="2025-09-05", school_code=f"NT-{i % 50}")
               for i, child_id in enumerate(children)]
    return rate_through(config, "education", "record_enrolment", records, callers, already)


def registered_children(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT child_id FROM children ORDER BY child_id")).scalars().all()
    engine.dispose()
    return list(found)


def report_seconds(config: dict) -> float:
    """One indicator report (registry, health and education figures) for the province, by commune."""
    with ClusterRpcProxy(config, timeout=120) as rpc:
        rpc.reporting.indicators("12", "2026-06-30")  # warm-up
        return statistics.median(timed(lambda: rpc.reporting.indicators("12", "2026-06-30", None, True))
                                 for _ in range(ROUNDS))


def platform_rates(workdir: Path) -> dict[str, float]:
    urls = fresh_databases()
    env = {"AMQP_URI": AMQP_URI, "REGISTRY_DB_URL": urls["registry"],
           "REPORTING_DB_URL": urls["reporting"], "EDUCATION_DB_URL": urls["education"],
           "REGISTRY_WEB_SERVER_ADDRESS": "127.0.0.1:18101",
           "REPORTING_WEB_SERVER_ADDRESS": "127.0.0.1:18100",
           "EDUCATION_WEB_SERVER_ADDRESS": "127.0.0.1:18103", "LOG_LEVEL": "WARNING",
           "CATCH_UP_INTERVAL": "0"}
    processes = [ServiceProcess(name, env, workdir) for name in ("reporting", "education", "registry")]
    config = {"AMQP_URI": AMQP_URI}
    for process in processes:
        process.start()
        wait_ready(config, process.service, PROBES.get(process.service, "events_since"))
    try:
        done = 0
        end_to_end_rate(config, 1, "warmup", done)
        done += REGISTRATIONS
        rates: dict[str, list[float]] = {f"births {n}": [] for n in (1, CONCURRENT_CALLERS)}
        rates.update({f"enrolments {n}": [] for n in (1, CONCURRENT_CALLERS)})
        for round_ in range(ROUNDS):
            for callers in (1, CONCURRENT_CALLERS):
                rate = end_to_end_rate(config, callers, f"{round_}-{callers}", done)
                rates[f"births {callers}"].append(rate)
                done += REGISTRATIONS
        children = registered_children(urls["registry"])
        slices = iter(children[i:i + REGISTRATIONS] for i in range(0, len(children), REGISTRATIONS))
        for round_ in range(ROUNDS):
            for callers in (1, CONCURRENT_CALLERS):
                rates[f"enrolments {callers}"].append(
                    enrolment_rate(config, next(slices), callers, f"e{round_}-{callers}", done))
                done += REGISTRATIONS
        result = {name: statistics.median(values) for name, values in rates.items()}
        result["report"] = report_seconds(config)
        result["children"] = len(children)
        return result
    finally:
        for process in processes:
            process.stop()


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("amqp").setLevel(logging.ERROR)  # "Received method ... during closing channel"
    workdir = Path(tempfile.mkdtemp(prefix="ecd-bench-"))
    print(f"ECD platform benchmark — {ROUNDS} rounds, medians; envelope {len(BODY)} bytes; "
          f"{os.cpu_count()} cores; logs in {workdir}\n", flush=True)
    broker = [broker_rates() for _ in range(ROUNDS)]
    publish = statistics.median(r[0] for r in broker)
    consume_rate = statistics.median(r[1] for r in broker)
    noop = statistics.median(noop_rpc_rate(workdir) for _ in range(ROUNDS))
    e2e = platform_rates(workdir)
    rows = [
        ("broker: kombu publish, persistent, confirm each", publish, "msg/s", "1.00 (baseline A)"),
        ("broker: kombu consume, manual ack, prefetch 100", consume_rate, "msg/s",
         f"{consume_rate / publish:.2f} x A"),
        ("nameko no-op RPC, 1 caller", noop, "calls/s", "1.00 (baseline B)"),
    ]
    births_one = e2e["births 1"]
    for kind, source, unit in (("births", "registry", "births/s"), ("enrolments", "education", "enrol/s")):
        for callers in (1, CONCURRENT_CALLERS):
            rate = e2e[f"{kind} {callers}"]
            rows.append((f"{source} -> reporting on PostgreSQL, {callers} caller(s)", rate, unit,
                         f"{rate / publish:.3f} x A, {rate / noop:.2f} x B, {rate / births_one:.2f} x C"
                         if (kind, callers) != ("births", 1) else
                         f"{rate / publish:.3f} x A, {rate / noop:.2f} x B, 1.00 (baseline C)"))
    report_rate = 1 / e2e["report"]
    rows.append((f"province report by commune over {e2e['children']:,} children", report_rate, "reports/s",
                 f"{e2e['report'] * 1000:.0f} ms each; {report_rate / noop:.4f} x B"))
    width = max(len(row[0]) for row in rows)
    print(f"{'measure':<{width}}  {'rate':>10}  {'unit':<9} ratio")
    for name, rate, unit, ratio in rows:
        print(f"{name:<{width}}  {rate:>10.1f}  {unit:<9} {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
