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
