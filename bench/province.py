"""The province report at scale: every figure of a generated province (``tools.generate_province``),
by commune, timed at ``PROVINCE_CHILDREN`` children and at the ``PROVINCE_BASELINE`` of the same run,
in each database configuration of ``BENCH_CONFIGS``; and the officer's outputs made from that report
on the same tables (``bench.outputs``: the workbook download, its CSV, the dashboard).

The reporting tables are built directly (``bench.province_tables``: the service's projections, rows
bulk-inserted), not loaded through the RPCs, and the output says so. The report is
``compute_indicators`` for the province on the 2025 map on ``AS_OF`` with every commune, called in
process on one session, as the reporting service's ``indicators`` RPC calls it; the median of
``BENCH_PROVINCE_ROUNDS`` after a warm-up.
"""

import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from bench import settings
from bench.outputs import OutputTimes, median_seconds, output_rows, time_outputs
from bench.province_tables import build
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ReportingBase
from services.reporting.repository import ReportingRepository
from shared.plumbing.db import make_engine
from shared.rules.admin_units import admin_units
from tools.generate_province import AS_OF, generate

PROVINCE = "12"
HOW = ("reporting's tables built directly: generated calls -> event payloads -> the service's "
       "projections -> bulk inserts (not through the RPCs; no referrals)")


@dataclass
class Timing:
    children: int
    rows: int
    build_seconds: float
    report_seconds: float
    outputs: OutputTimes  # the workbook, CSV and dashboard made from the report (bench.outputs)


def engine_for(key: str, folder) -> Engine:
    if key == "sqlite":
        path = folder / "province-reporting.db"
        path.unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}")
    admin = create_engine(settings.PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS ecd_bench_province WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE ecd_bench_province"))
    admin.dispose()
    return make_engine(settings.PG_URL.rsplit("/", 1)[0] + "/ecd_bench_province")  # as the service does


def report_seconds(session: Session, as_of: date) -> tuple[float, dict]:
    """The median seconds of the province's report by commune, and the report."""
    units = admin_units()
    area = resolve_area(PROVINCE, as_of, units)
    return median_seconds(lambda: compute_indicators(ReportingRepository(session), area, as_of,
                                                     date(as_of.year, 1, 1), as_of, units, by_commune=True))


def measure(key: str, children: int, folder) -> Timing:
    engine = engine_for(key, folder)
    try:
        ReportingBase.metadata.create_all(engine)
        started = time.perf_counter()
        province = generate(children, seed=settings.PROVINCE_SEED, province=PROVINCE)
        with Session(engine) as session:
            rows = build(session, province.calls, admin_units())
            if key == "postgresql":  # as autovacuum would after a bulk load; without it the plans
                session.execute(text("ANALYZE"))  # are minutes, not seconds
                session.commit()
            built = time.perf_counter() - started
            seconds, report = report_seconds(session, AS_OF)
            return Timing(children, rows, built, seconds, time_outputs(report))
    finally:
        engine.dispose()


def rows_for(key: str, label: str, folder) -> list[tuple[str, str, str, str]]:
    """The bench rows of one configuration: the baseline, the full size, their ratio."""
    base = measure(key, settings.PROVINCE_BASELINE, folder)
    full = measure(key, settings.PROVINCE_CHILDREN, folder)
    rows = [(f"{label}: province report, {HOW}", "", "", "")]
    ratio = full.report_seconds / base.report_seconds
    for timing, note in ((base, "baseline D"), (full, f"{ratio:.2f} x D")):
        rows.append((f"  province report by commune, {timing.children:,} children",
                     f"{timing.report_seconds * 1000:.0f}", "ms", note))
        per_child = timing.build_seconds / timing.children * 1000
        rows.append((f"    tables built for {timing.children:,} children", f"{timing.build_seconds:.0f}",
                     "s", f"{timing.rows:,} rows; {per_child:.2f} ms per child"))
        rows += output_rows(timing.report_seconds, timing.outputs,
                            None if timing is base else (base.report_seconds, base.outputs))
    return rows


def main() -> int:
    """Only the province part of ``make bench``: ``python -m bench.province``."""
    import tempfile
    from pathlib import Path

    from bench.configs import chosen
    from bench.table import print_rows

    folder = Path(tempfile.mkdtemp(prefix="ecd-bench-province-"))
    for configuration in chosen(settings.CONFIGS):
        print_rows(rows_for(configuration.key, configuration.label, folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
