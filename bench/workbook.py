"""The province's workbook at scale (issue 17): the report of a generated province by commune
(``compute_indicators``, as ``GET /reports/12/<period>.xlsx`` asks the ``indicators`` RPC), then the
workbook built from it (``services.reporting.workbook``) and the CSV (``report_csv``), timed at
``PROVINCE_CHILDREN`` children and at the ``PROVINCE_BASELINE`` of the same run, in each database
configuration of ``BENCH_CONFIGS``; the workbook's time at full size is given as a ratio of the
baseline's.

The reporting tables are built directly, as ``bench.province`` builds them (not through the RPCs).
``time_files(session)`` times the report and the files on tables already built (``bench.province``
may call it on its own); ``rows_for`` builds them and gives the bench rows; ``python -m
bench.workbook`` runs only this part. Each figure is the median of ``BENCH_PROVINCE_ROUNDS`` after a
warm-up.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench import settings
from bench.province import HOW, PROVINCE, engine_for
from bench.province_tables import build
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ReportingBase
from services.reporting.report_csv import report_csv
from services.reporting.repository import ReportingRepository
from services.reporting.workbook import build as build_workbook
from shared.rules.admin_units import admin_units
from shared.rules.clock import utc_now
from tools.generate_province import AS_OF, generate


@dataclass
class FilesTiming:
    children: int
    report_seconds: float
    workbook_seconds: float
    workbook_bytes: int
    csv_seconds: float
    csv_rows: int


def median_seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    """The median time of ``BENCH_PROVINCE_ROUNDS`` runs after a warm-up, and the last result."""
    found = work()
    times = []
    for _ in range(settings.PROVINCE_ROUNDS):
        started = time.perf_counter()
        found = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), found


def time_files(session: Session, children: int, as_of: date = AS_OF) -> FilesTiming:
    """The province's report by commune, then its workbook and CSV, on tables already built."""
    units = admin_units()
    area = resolve_area(PROVINCE, as_of, units)
    report_s, report = median_seconds(lambda: compute_indicators(
        ReportingRepository(session), area, as_of, date(as_of.year, 1, 1), as_of, units, by_commune=True))
    workbook_s, workbook = median_seconds(lambda: build_workbook(report, utc_now()))
    csv_s, csv_text = median_seconds(lambda: report_csv(report))
    return FilesTiming(children, report_s, workbook_s, len(workbook), csv_s, csv_text.count("\r\n") - 1)


def measure(key: str, children: int, folder) -> FilesTiming:
    engine = engine_for(key, folder)
    try:
        ReportingBase.metadata.create_all(engine)
        province = generate(children, seed=settings.PROVINCE_SEED, province=PROVINCE)
        with Session(engine) as session:
            build(session, province.calls, admin_units())
            if key == "postgresql":  # as bench.province: statistics after the bulk load
                session.execute(text("ANALYZE"))
                session.commit()
            return time_files(session, children)
    finally:
        engine.dispose()


def rows_for(key: str, label: str, folder) -> list[tuple[str, str, str, str]]:
    """The bench rows of one configuration: the baseline, the full size, the workbook's ratio."""
    base = measure(key, settings.PROVINCE_BASELINE, folder)
    full = measure(key, settings.PROVINCE_CHILDREN, folder)
    ratio = full.workbook_seconds / base.workbook_seconds
    rows = [(f"{label}: province workbook by commune, {HOW}", "", "", "")]
    for timing, note in ((base, "baseline W"), (full, f"{ratio:.2f} x W")):
        size = f"{timing.workbook_bytes / 1024:.0f} KB"
        rows += [(f"  workbook (.xlsx) by commune, {timing.children:,} children",
                  f"{timing.workbook_seconds * 1000:.0f}", "ms", f"{note}; {size}"),
                 ("    its report (indicators by commune)", f"{timing.report_seconds * 1000:.0f}", "ms",
                  "the RPC's part of the download"),
                 ("    the same figures as CSV", f"{timing.csv_seconds * 1000:.0f}", "ms",
                  f"{timing.csv_rows:,} rows")]
    return rows


def main() -> int:
    """Only the workbook part of ``make bench``: ``python -m bench.workbook``."""
    import tempfile
    from pathlib import Path

    from bench.configs import chosen
    from bench.table import print_rows

    folder = Path(tempfile.mkdtemp(prefix="ecd-bench-workbook-"))
    for configuration in chosen(settings.CONFIGS):
        print_rows(rows_for(configuration.key, configuration.label, folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
