"""The province's reports at scale: on a generated province (``tools.generate_province``) of
``PROVINCE_CHILDREN`` children and of the ``PROVINCE_BASELINE`` of the same run, in each database
configuration of ``BENCH_CONFIGS``, the p50/p95 of the whole province's report by commune (every
figure; also its cold figure, nothing kept, and the figure after one commune's data changed), of one
commune's report, and the p50/p99 of the child view by id; and the officer's outputs
made from the province's report on the same tables (``bench.outputs``: the workbook download, its
CSV, the dashboard). Goals (issue 19): p95 <= 1 s by commune, <= 50 ms per area; child view p99 <= 10 ms.

The reporting tables are built directly (``bench.province_tables``: the service's projections, rows
bulk-inserted), not loaded through the RPCs, and the output says so. Each report is
``compute_indicators`` as the reporting service's ``indicators`` RPC calls it, in process on one
session: the province on the 2025 map on ``AS_OF`` with every commune (``BENCH_PROVINCE_ROUNDS``
after a warm-up), ``BENCH_COMMUNE_REPORTS`` communes in turn (after one warm-up); the child view is
the ``child_view`` RPC's method run in process (``worker_factory``: no broker) for a province officer,
for ``BENCH_CHILD_VIEWS`` children drawn with the province's seed. ``figures(key)`` gives the same
figures for ``var/bench.json``: ``{name: {value, unit, baseline, ratio}}``.
"""

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, and_, create_engine, or_, select, text
from sqlalchemy.orm import Session

from bench import settings
from bench.outputs import OutputTimes, output_rows, time_outputs
from bench.province_tables import build
from services.reporting import count_cache
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ChildView, ReportingBase
from services.reporting.repository import ReportingRepository
from shared.kit.identity import Identity
from shared.plumbing.db import make_engine
from shared.rules.admin_units import CURRENT, LEGACY, admin_units
from tools.generate_province import AS_OF, generate

PROVINCE = "12"
HOW = ("reporting's tables built directly: generated calls -> event payloads -> the service's "
       "projections -> bulk inserts (not through the RPCs; no referrals)")
OFFICER = Identity("bench-officer", "bench", ("health_worker",), (PROVINCE,), "bench the child view",
                   "bench", AS_OF)


@dataclass
class Timing:
    children: int
    rows: int
    build_seconds: float
    province: list[float]  # seconds of each timed province report by commune
    commune: list[float]  # seconds of each timed commune report
    child_view: list[float]  # seconds of each child view
    outputs: OutputTimes  # the workbook, CSV and dashboard made from the report (bench.outputs)
    cold: list[float]  # the first province report after the build: no commune's counts kept
    one_changed: list[float]  # the province report after one commune's data version was bumped

    def report_seconds(self) -> float:
        return percentile(self.province, 50)


def percentile(seconds: list[float], p: float) -> float:
    """The nearest-rank percentile (the largest of few samples for p95, p99)."""
    ordered = sorted(seconds)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def engine_for(key: str, folder: Path) -> Engine:
    if key == "sqlite":
        path = folder / "province-reporting.db"
        path.unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}")
    admin = create_engine(settings.PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {settings.PROVINCE_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {settings.PROVINCE_DB}"))
    admin.dispose()
    return make_engine(settings.PG_URL.rsplit("/", 1)[0] + f"/{settings.PROVINCE_DB}")  # as the service does


def timed(work: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    """The seconds of ``rounds`` runs after a warm-up, and the last result."""
    found, times = work(), []
    for _ in range(rounds):
        started = time.perf_counter()
        found = work()
        times.append(time.perf_counter() - started)
    return times, found


def report(session: Session, code: str, by_commune: bool) -> dict:
    units = admin_units()
    return compute_indicators(ReportingRepository(session), resolve_area(code, AS_OF, units), AS_OF,
                              date(AS_OF.year, 1, 1), AS_OF, units, by_commune=by_commune)


def commune_seconds(session: Session) -> list[float]:
    """One report per commune of the province, in turn, ``BENCH_COMMUNE_REPORTS`` of them."""
    codes = [c.code for c in admin_units().communes_in(PROVINCE, admin_units().map_on(AS_OF))]
    chosen = [codes[i % len(codes)] for i in range(settings.COMMUNE_REPORTS)]
    report(session, chosen[0], False)
    times = []
    for code in chosen:
        started = time.perf_counter()
        report(session, code, False)
        times.append(time.perf_counter() - started)
    return times


def child_view_seconds(session: Session) -> list[float]:
    """The ``child_view`` RPC's method for ``BENCH_CHILD_VIEWS`` children living in the province now,
    each undone after (its audit entry)."""
    from nameko.testing.services import worker_factory

    from services.reporting.service import ReportingService

    v = ChildView
    ids = sorted(session.scalars(select(v.child_id).where(or_(  # the officer's: living in the province
        and_(v.map_version == CURRENT, v.current_province == PROVINCE),
        and_(v.map_version == LEGACY, v.legacy_province == PROVINCE)))))
    chosen = random.Random(settings.PROVINCE_SEED).sample(ids, min(settings.CHILD_VIEWS, len(ids)))
    worker = worker_factory(ReportingService, db=session, caller=SimpleNamespace(identity=OFFICER))
    worker.child_view(chosen[0])
    session.rollback()
    times = []
    for child_id in chosen:
        started = time.perf_counter()
        worker.child_view(child_id)
        times.append(time.perf_counter() - started)
        session.rollback()
    return times


def one_run(work: Callable[[], Any]) -> list[float]:
    started = time.perf_counter()
    work()
    return [time.perf_counter() - started]


def one_commune_changed(session: Session) -> None:
    """As a projection write in the province's first commune does at its commit (``count_cache``)."""
    first = admin_units().communes_in(PROVINCE, admin_units().map_on(AS_OF))[0].code
    count_cache.bump(session, {(CURRENT, first)})


def measure(key: str, children: int, folder: Path) -> Timing:
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
            cold = one_run(lambda: report(session, PROVINCE, True))
            province_times, found = timed(lambda: report(session, PROVINCE, True), settings.PROVINCE_ROUNDS)
            one_commune_changed(session)
            changed = one_run(lambda: report(session, PROVINCE, True))
            return Timing(children, rows, built, province_times, commune_seconds(session),
                          child_view_seconds(session), time_outputs(found), cold, changed)
    finally:
        engine.dispose()


_MEASURED: dict[str, tuple[Timing, Timing]] = {}


def measured(key: str, folder: Path) -> tuple[Timing, Timing]:
    """The baseline and the full size of one configuration, measured once per run."""
    if key not in _MEASURED:
        _MEASURED[key] = (measure(key, settings.PROVINCE_BASELINE, folder),
                          measure(key, settings.PROVINCE_CHILDREN, folder))
    return _MEASURED[key]


FIGURES = {  # name: (the timing's samples, percentile, unit, scale)
    "province_report_p50_s": ("province", 50, "s", 1),
    "province_report_p95_s": ("province", 95, "s", 1),
    "province_report_cold_s": ("cold", 50, "s", 1),
    "province_report_one_commune_changed_s": ("one_changed", 50, "s", 1),
    "commune_report_p50_ms": ("commune", 50, "ms", 1000),
    "commune_report_p95_ms": ("commune", 95, "ms", 1000),
    "child_view_p50_ms": ("child_view", 50, "ms", 1000),
    "child_view_p99_ms": ("child_view", 99, "ms", 1000),
}


def figures(configuration_key: str, folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """``{name: {value, unit, baseline, ratio}}`` of one configuration: each figure at
    ``PROVINCE_CHILDREN``, its baseline at ``PROVINCE_BASELINE`` of the same run and their ratio."""
    if folder is None:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="ecd-bench-province-"))
    base, full = measured(configuration_key, folder)
    found = {}
    for name, (samples, p, unit, scale) in FIGURES.items():
        value = percentile(getattr(full, samples), p) * scale
        baseline = percentile(getattr(base, samples), p) * scale
        found[name] = {"value": round(value, 4), "unit": unit, "baseline": round(baseline, 4),
                       "ratio": round(value / baseline, 2) if baseline else None}
    return found


def _timing_rows(timing: Timing, base: Timing | None) -> list[tuple[str, str, str, str]]:
    """The reports' and the child view's percentiles, each against the baseline's when given."""
    def ms(samples: str, p: float) -> str:
        return f"{percentile(getattr(timing, samples), p) * 1000:.1f}"

    def note(samples: str, p: float, mark: str, goal: str = "") -> str:
        if base is None:
            said = f"baseline {mark}"
        else:
            ratio = percentile(getattr(timing, samples), p) / percentile(getattr(base, samples), p)
            said = f"{ratio:.2f} x {mark}"
        return f"{said}; goal {goal}" if goal else said

    return [
        (f"  province report by commune, {timing.children:,} children: p50", ms("province", 50), "ms",
         f"{len(timing.province)} reports; {note('province', 50, 'D')}"),
        ("    p95", ms("province", 95), "ms", note("province", 95, "D95", "<= 1000 ms")),
        ("    cold (first after the build, no counts kept)", ms("cold", 50), "ms", note("cold", 50, "C")),
        ("    after one commune's data changed", ms("one_changed", 50), "ms", note("one_changed", 50, "O")),
        ("    one commune's report: p50", ms("commune", 50), "ms",
         f"{len(timing.commune)} communes; {note('commune', 50, 'E')}"),
        ("    one commune's report: p95", ms("commune", 95), "ms", note("commune", 95, "E95", "<= 50 ms")),
        ("    child view by id: p50", ms("child_view", 50), "ms",
         f"{len(timing.child_view)} children; {note('child_view', 50, 'V')}"),
        ("    child view by id: p99", ms("child_view", 99), "ms", note("child_view", 99, "V99", "<= 10 ms")),
    ]


def rows_for(key: str, label: str, folder: Path) -> list[tuple[str, str, str, str]]:
    """The bench rows of one configuration: the baseline, the full size, their ratios."""
    base, full = measured(key, folder)
    rows = [(f"{label}: province reports, {HOW}", "", "", "")]
    for timing in (base, full):
        rows += _timing_rows(timing, None if timing is base else base)
        per_child = timing.build_seconds / timing.children * 1000
        rows.append((f"    tables built for {timing.children:,} children", f"{timing.build_seconds:.0f}",
                     "s", f"{timing.rows:,} rows; {per_child:.2f} ms per child"))
        rows += output_rows(timing.report_seconds(), timing.outputs,
                            None if timing is base else (base.report_seconds(), base.outputs))
    return rows


def main() -> int:
    """Only the province part of ``make bench``: ``python -m bench.province``."""
    import tempfile

    from bench.configs import chosen
    from bench.table import print_rows

    folder = Path(tempfile.mkdtemp(prefix="ecd-bench-province-"))
    for configuration in chosen(settings.CONFIGS):
        print_rows(rows_for(configuration.key, configuration.label, folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
