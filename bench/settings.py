"""What a bench run measures and how long it may wait, each from an environment variable.

``AMQP_URI`` and ``BENCH_PG_URL`` say where RabbitMQ and PostgreSQL are; ``BENCH_ROUNDS``,
``BENCH_BROKER_MESSAGES``, ``BENCH_RPC_CALLS`` and ``BENCH_REGISTRATIONS`` how much work each figure
is; ``BENCH_CONFIGS`` which database configurations run the end-to-end part (``sqlite``,
``postgresql``, comma-separated, in that order by default). Waits are bounded by
``BENCH_CALL_TIMEOUT`` (one RPC without an answer, and reporting without progress),
``BENCH_REPORT_TIMEOUT`` (one province report) and ``BENCH_CONFIG_BUDGET`` (all of one configuration,
after which no new call is sent). ``BENCH_PROVINCE_CHILDREN`` is the size of the generated province
whose report is timed (``BENCH_PROVINCE_BASELINE`` the size of the same run's baseline D, 0 skips
the province part), ``BENCH_PROVINCE_SEED`` its seed, ``BENCH_PROVINCE_ROUNDS`` how many timed reports
of the whole province (after one warm-up) give its percentiles, ``BENCH_COMMUNE_REPORTS`` how many
communes' reports, ``BENCH_CHILD_VIEWS`` how many child views; ``BENCH_PROVINCE_DB`` the PostgreSQL
database it builds. ``BENCH_MATCHING_NEWBORNS`` and ``BENCH_MATCHING_SEED`` are the
generated newborns ``bench.matching`` matches.

Issue 19's figures (``bench.results``; also written to ``BENCH_JSON``, default ``var/bench.json``):
``BENCH_BULK_RECORDS`` births generated, written as ``BENCH_BULK_FORMAT`` (csv or jsonl) and loaded
through ``python -m tools.load`` (with ``BENCH_LOADER_ARGS`` appended) into the ``BENCH_BULK_CONFIG``
configuration, reporting polled until it holds them all (``BENCH_BULK_BUDGET`` s at most, and
``CALL_TIMEOUT`` without progress); then the same services loaded on to ``BENCH_MEMORY_RECORDS``
children (0 skips that step) for their peak RSS. ``BENCH_BATCH_SIZE`` is the batch of the fallback
that calls ``register_births`` itself. ``BENCH_COPY_ROWS`` rows give PostgreSQL's COPY rate.
``BENCH_DB_PREFIX`` names the databases the end-to-end part creates (``<prefix>_<service>``) and
``BENCH_WEB_PORT`` the first of the services' four HTTP ports, so two checkouts can bench at once.
``BENCH_NOTE`` is printed and kept in the JSON with the run (e.g. "shared machine, small settings").
"""

import os

AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
BROKER_MESSAGES = int(os.environ.get("BENCH_BROKER_MESSAGES", 5000))
RPC_CALLS = int(os.environ.get("BENCH_RPC_CALLS", 1000))
REGISTRATIONS = int(os.environ.get("BENCH_REGISTRATIONS", 1000))
CONFIGS = os.environ.get("BENCH_CONFIGS", "sqlite,postgresql")
CALL_TIMEOUT = float(os.environ.get("BENCH_CALL_TIMEOUT", 30))
REPORT_TIMEOUT = float(os.environ.get("BENCH_REPORT_TIMEOUT", 120))
CONFIG_BUDGET = float(os.environ.get("BENCH_CONFIG_BUDGET", 1800))  # full PostgreSQL run: ~400 s, estimated
CONCURRENT_CALLERS = 10
WARMUP_CALLS = 10  # per caller, before the timed writes
PROVINCE_CHILDREN = int(os.environ.get("BENCH_PROVINCE_CHILDREN", 250_000))
PROVINCE_BASELINE = int(os.environ.get("BENCH_PROVINCE_BASELINE", 7_000))
PROVINCE_SEED = int(os.environ.get("BENCH_PROVINCE_SEED", 1))
PROVINCE_ROUNDS = int(os.environ.get("BENCH_PROVINCE_ROUNDS", 3))
PROVINCE_DB = os.environ.get("BENCH_PROVINCE_DB", "ecd_bench_province")  # on BENCH_PG_URL's server
COMMUNE_REPORTS = int(os.environ.get("BENCH_COMMUNE_REPORTS", 20))
CHILD_VIEWS = int(os.environ.get("BENCH_CHILD_VIEWS", 500))
MATCHING_NEWBORNS = int(os.environ.get("BENCH_MATCHING_NEWBORNS", 3000))  # bench.matching's generated set
MATCHING_SEED = int(os.environ.get("BENCH_MATCHING_SEED", 31))  # held out: not used to estimate or tune
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "ecd_bench")
WEB_PORT = int(os.environ.get("BENCH_WEB_PORT", 18100))
JSON_PATH = os.environ.get("BENCH_JSON", "var/bench.json")
BULK_RECORDS = int(os.environ.get("BENCH_BULK_RECORDS", 25_000))
BULK_FORMAT = os.environ.get("BENCH_BULK_FORMAT", "csv")
BULK_CONFIG = os.environ.get("BENCH_BULK_CONFIG", "postgresql")
BULK_BUDGET = float(os.environ.get("BENCH_BULK_BUDGET", 1800))
BULK_SEED = int(os.environ.get("BENCH_BULK_SEED", 19))
LOADER_ARGS = os.environ.get("BENCH_LOADER_ARGS", "")
BATCH_SIZE = int(os.environ.get("BENCH_BATCH_SIZE", 500))
MEMORY_RECORDS = int(os.environ.get("BENCH_MEMORY_RECORDS", 250_000))  # 0: peak RSS at BULK_RECORDS only
COPY_ROWS = int(os.environ.get("BENCH_COPY_ROWS", 100_000))
NOTE = os.environ.get("BENCH_NOTE", "")
