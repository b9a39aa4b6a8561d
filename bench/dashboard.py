"""The officer's dashboard at scale: the province's dashboard of a generated province
(``tools.generate_province``), timed at ``PROVINCE_CHILDREN`` children and at the ``PROVINCE_BASELINE``
of the same run, in each database configuration of ``BENCH_CONFIGS``, as a ratio of the baseline.

The reporting tables are built directly, as ``bench.province`` builds them (``bench.province_tables``:
the service's projections, rows bulk-inserted; not through the RPCs). The dashboard is what
``GET /dashboard`` does for the province on ``AS_OF``: ``compute_indicators`` with every commune, then
the page with its charts (``dashboard.render_dashboard``: matplotlib SVG, one chart per sector and the
communes ranked), called in process on one session; the median of ``BENCH_PROVINCE_ROUNDS`` after a
warm-up, and the page's part of it. ``BENCH_DASHBOARD_DB`` names the PostgreSQL database it makes.
"""

import os
import statistics
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from bench import settings
from bench.province import PROVINCE
from bench.province_tables import build
from services.reporting.catalogue import catalogue
from services.reporting.dashboard import render_dashboard
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ReportingBase
from services.reporting.repository import ReportingRepository
from shared.plumbing.db import make_engine
from shared.rules.admin_units import admin_units
from tools.generate_province import AS_OF, generate

DATABASE = os.environ.get("BENCH_DASHBOARD_DB", "ecd_bench_dashboard")
HOW = ("the province's dashboard (indicators by commune + page and charts), reporting's tables built "
       "directly as for the province report (not through the RPCs; no referrals)")


@dataclass
class Timing:
    children: int
    dashboard_seconds: float
    page_seconds: float  # of which: the page and its charts
    page_bytes: int


def engine_for(key: str, folder) -> Engine:
    if key == "sqlite":
        path = folder / "dashboard-reporting.db"
        path.unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}")
    admin = create_engine(settings.PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return make_engine(f"{settings.PG_URL.rsplit('/', 1)[0]}/{DATABASE}")


def dashboard_once(session: Session, as_of: date) -> tuple[float, float, int]:
    """One dashboard: its seconds, the page's seconds, the page's size in bytes."""
    units = admin_units()
    started = time.perf_counter()
    report = compute_indicators(ReportingRepository(session), resolve_area(PROVINCE, as_of, units), as_of,
                                date(as_of.year, 1, 1), as_of, units, by_commune=True)
    counted = time.perf_counter()
    page = render_dashboard(report, catalogue())
    done = time.perf_counter()
    return done - started, done - counted, len(page.encode("utf-8"))


def timed(session: Session, children: int, as_of: date) -> Timing:
    dashboard_once(session, as_of)  # warm-up
    runs = [dashboard_once(session, as_of) for _ in range(settings.PROVINCE_ROUNDS)]
    return Timing(children, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                  runs[-1][2])


def measure(key: str, children: int, folder) -> Timing:
    engine = engine_for(key, folder)
    try:
        ReportingBase.metadata.create_all(engine)
        province = generate(children, seed=settings.PROVINCE_SEED, province=PROVINCE)
        with Session(engine) as session:
            build(session, province.calls, admin_units())
            if key == "postgresql":  # as autovacuum would after a bulk load (see bench.province)
                session.execute(text("ANALYZE"))
                session.commit()
            return timed(session, children, AS_OF)
    finally:
        engine.dispose()


def rows_for(key: str, label: str, folder) -> list[tuple[str, str, str, str]]:
    """The bench rows of one configuration: the baseline, the full size, their ratio."""
    base = measure(key, settings.PROVINCE_BASELINE, folder)
    full = measure(key, settings.PROVINCE_CHILDREN, folder)
    ratio = full.dashboard_seconds / base.dashboard_seconds
    rows = [(f"{label}: {HOW}", "", "", "")]
    for timing, note in ((base, "baseline D"), (full, f"{ratio:.2f} x D")):
        rows.append((f"  province dashboard, {timing.children:,} children",
                     f"{timing.dashboard_seconds * 1000:.0f}", "ms", note))
        rows.append((f"    of which the page and its charts ({timing.page_bytes / 1024:.0f} KiB)",
                     f"{timing.page_seconds * 1000:.0f}", "ms", ""))
    return rows


def main() -> int:
    """Only the dashboard part of ``make bench``: ``python -m bench.dashboard``."""
    import tempfile
    from pathlib import Path

    from bench.configs import chosen
    from bench.table import print_rows

    folder = Path(tempfile.mkdtemp(prefix="ecd-bench-dashboard-"))
    for configuration in chosen(settings.CONFIGS):
        print_rows(rows_for(configuration.key, configuration.label, folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
