"""The officer's outputs at scale (issue 17), timed on the tables ``bench.province`` has just built:
from the province's report by commune (``compute_indicators``, as ``GET /reports/12/<period>.xlsx``
and ``GET /dashboard`` ask the ``indicators`` RPC), the workbook (``services.reporting.workbook``),
the same figures as CSV (``report_csv``) and the dashboard's page with its matplotlib charts
(``dashboard.render_dashboard``). A download or a dashboard is that report plus its part here; the
province rows of ``make bench`` print both, at full size as a ratio of the baseline. Each figure is
the median of ``BENCH_PROVINCE_ROUNDS`` after a warm-up.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import settings
from services.reporting.catalogue import catalogue
from services.reporting.dashboard import render_dashboard
from services.reporting.report_csv import report_csv
from services.reporting.workbook import build as build_workbook
from shared.rules.clock import utc_now


@dataclass
class OutputTimes:
    workbook_seconds: float
    workbook_bytes: int
    csv_seconds: float
    csv_rows: int
    page_seconds: float
    page_bytes: int


def median_seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    """The median time of ``BENCH_PROVINCE_ROUNDS`` runs after a warm-up, and the last result."""
    found = work()
    times = []
    for _ in range(settings.PROVINCE_ROUNDS):
        started = time.perf_counter()
        found = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), found


def time_outputs(report: dict[str, Any]) -> OutputTimes:
    """The workbook, the CSV and the dashboard's page made from one province report."""
    workbook_s, workbook = median_seconds(lambda: build_workbook(report, utc_now()))
    csv_s, csv_text = median_seconds(lambda: report_csv(report))
    page_s, page = median_seconds(lambda: render_dashboard(report, catalogue()))
    return OutputTimes(workbook_s, len(workbook), csv_s, csv_text.count("\r\n") - 1, page_s,
                       len(page.encode("utf-8")))


def output_rows(report_seconds: float, outputs: OutputTimes, baseline: tuple[float, OutputTimes] | None,
                ) -> list[tuple[str, str, str, str]]:
    """Bench rows: the workbook download and the dashboard (report + own part), the CSV; against
    ``baseline`` (the baseline's report seconds and outputs) when given."""
    def note(total: float, base_total: float | None, mark: str) -> str:
        return f"baseline {mark}" if base_total is None else f"{total / base_total:.2f} x {mark}"

    workbook = report_seconds + outputs.workbook_seconds
    dashboard = report_seconds + outputs.page_seconds
    base_workbook = baseline[0] + baseline[1].workbook_seconds if baseline else None
    base_dashboard = baseline[0] + baseline[1].page_seconds if baseline else None
    return [
        ("    workbook download (.xlsx: report + workbook)", f"{workbook * 1000:.0f}", "ms",
         f"{note(workbook, base_workbook, 'W')}; the workbook {outputs.workbook_seconds * 1000:.0f} ms, "
         f"{outputs.workbook_bytes / 1024:.0f} KB"),
        ("    the same figures as CSV (its own part)", f"{outputs.csv_seconds * 1000:.0f}", "ms",
         f"{outputs.csv_rows:,} rows"),
        ("    dashboard (report + page and charts)", f"{dashboard * 1000:.0f}", "ms",
         f"{note(dashboard, base_dashboard, 'P')}; the page {outputs.page_seconds * 1000:.0f} ms, "
         f"{outputs.page_bytes / 1024:.0f} KiB"),
    ]
