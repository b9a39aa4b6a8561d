"""Rebuilding reporting from the producers' logs (issue 19), against PostgreSQL's own COPY.

A generated province (``BENCH_REBUILD_CHILDREN`` children, seed 3, in the database
``BENCH_REBUILD_DB``) becomes the four sectors' logs (``bench.generated_events``);
``services.reporting.rebuild`` reads them, projects every child and writes and switches the new
tables, timed as a whole: events/s. The baseline, measured in the same run on the same database:
``COPY … FROM STDIN`` of the very rows the rebuild wrote, into fresh tables of the same columns
(their text built beforehand, untimed): rows/s. ``figures()`` answers
``{"rebuild_events_per_s": {value, unit, baseline, ratio, note}}``, the note saying where the time
went and the ratio a rebuild that did nothing but COPY its rows would reach (it writes ~3 rows per
event); ``python -m bench.rebuild`` prints it.
"""

import json
import os
from time import perf_counter
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from bench import settings
from bench.generated_events import fetches, logs_of, province_envelopes
from services.reporting import bulk_tables, rebuild
from services.reporting.copy_rows import blocking_psycopg, copy_text
from services.reporting.orm import ReportingBase
from shared.plumbing.db import make_engine
from shared.rules.admin_units import admin_units

CHILDREN = int(os.environ.get("BENCH_REBUILD_CHILDREN", "2000"))
DATABASE = os.environ.get("BENCH_REBUILD_DB", "ecd_bench_rebuild")


def fresh_engine() -> Engine:
    admin = create_engine(settings.PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    engine = make_engine(settings.PG_URL.rsplit("/", 1)[0] + f"/{DATABASE}")
    ReportingBase.metadata.create_all(engine)
    return engine


def copy_seconds(session: Session, rows: dict[type, list[dict[str, Any]]]) -> float:
    """How long COPY takes to write ``rows`` into fresh tables of the same columns, and commit."""
    copies = [copy_text(bulk_tables.new_table(session, model.__table__), model_rows)
              for model, model_rows in rows.items() if model_rows]
    session.commit()
    cursor = session.connection().connection.dbapi_connection.cursor()
    with blocking_psycopg():  # psycopg2 refuses COPY under eventlet's wait callback (make bench patches)
        started = perf_counter()
        for statement, data in copies:
            cursor.copy_expert(statement, data)
        session.commit()
        return perf_counter() - started


def figures(children: int = CHILDREN) -> dict[str, dict[str, Any]]:
    logs = logs_of(province_envelopes(children, admin_units()))
    engine = fresh_engine()
    with Session(engine) as session:
        started = perf_counter()
        done = rebuild.rebuild(session, fetches(logs))
        seconds = perf_counter() - started
        read = rebuild.read_logs(fetches(logs))
        rebuild.project_all(read.memory, admin_units())
        rows = rebuild.tables(read)
        copy_rate = sum(map(len, rows.values())) / copy_seconds(session, rows)
    engine.dispose()
    rate = done["events"] / seconds
    return {"rebuild_events_per_s": {"value": round(rate), "unit": "events/s", "baseline": round(copy_rate),
                                     "ratio": round(rate / copy_rate, 3), "note": note(done)}}


def note(done: dict[str, Any]) -> str:
    """Where the time went, and the ratio a rebuild would reach if writing its rows were all it did."""
    split = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in done["seconds"].items())
    per_event = done["rows"] / done["events"]
    return (f"{done['events']:,} events -> {done['rows']:,} rows ({per_event:.2f} per event): {split}; "
            f"COPY of those rows alone would give a ratio of {1 / per_event:.2f}")


if __name__ == "__main__":
    print(json.dumps(figures(), indent=2))
