"""PostgreSQL's own bulk write rate, the baseline a rebuild of the reporting projection is measured against.

``copy_rows_per_second`` COPYs ``rows`` rows shaped like reporting's ``facts`` (source, record id,
child id, event type, a real ``birth_registered`` payload as JSON) into a temporary table on
``BENCH_PG_URL``'s server, one COPY from a buffer made beforehand, and returns rows per second of
the COPY alone (the median of ``ROUNDS``). A temporary table writes no WAL, so this is the ceiling a
logged table can only approach. psycopg2 refuses COPY while a wait callback is set (eventlet's, in
``make bench``), so the COPY runs without it: nothing else runs in the bench meanwhile.
``python -m bench.copy_baseline`` prints it.
"""

import io
import json
import statistics
import time

from sqlalchemy import create_engine

from bench import settings
from bench.results import Figure, figure
from services.reporting.copy_rows import blocking_psycopg
from tests.support.factories import make_birth_envelope

FACTS_LIKE = ("CREATE TEMPORARY TABLE bench_copy_facts (source varchar(32), record_id varchar(80), "
              "child_id varchar(32), event_type varchar(64), payload json, PRIMARY KEY (source, record_id))")
NAME = "PostgreSQL COPY of reporting fact rows (temporary table)"


def fact_lines(rows: int) -> io.StringIO:
    """``rows`` tab-separated fact rows (COPY's text format), each with its own record and child id."""
    envelope = make_birth_envelope()
    payload = json.dumps(envelope["payload"], ensure_ascii=False).replace("\\", "\\\\")
    buffer = io.StringIO()
    for n in range(rows):
        buffer.write(f"registry\tcopy-{n}\t{n:012d}\tbirth_registered\t{payload}\n")
    buffer.seek(0)
    return buffer


def copy_seconds(url: str, rows: int) -> float:
    lines = fact_lines(rows)
    engine = create_engine(url)
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(FACTS_LIKE)
            with blocking_psycopg():
                started = time.perf_counter()
                cursor.copy_expert("COPY bench_copy_facts FROM STDIN", lines)
                connection.commit()
                return time.perf_counter() - started
        finally:
            connection.close()  # the temporary table goes with its session
    finally:
        engine.dispose()


def copy_rows_per_second(url: str = settings.PG_URL, rows: int = settings.COPY_ROWS) -> float:
    return statistics.median(rows / copy_seconds(url, rows) for _ in range(settings.ROUNDS))


def figures() -> dict[str, Figure]:
    return {NAME: figure(copy_rows_per_second(), "rows/s",
                         note=f"{settings.COPY_ROWS:,} rows, median of {settings.ROUNDS}")}


if __name__ == "__main__":
    for name, made in figures().items():
        print(f"{name}: {made['value']:,.0f} {made['unit']}")
