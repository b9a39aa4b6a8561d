"""Issue 19's figures, each from the part that measures it, into one ``Results`` (``bench.results``).

The baselines (A broker publish and consume, B no-op RPC) and the single-record write end to end (C,
births from 1 caller) come from the rows ``bench.run`` has just measured; the COPY baseline from
``bench.copy_baseline``; bulk end to end and peak RSS from ``bench.bulk``; the province report,
commune report and child view from ``bench.province.figures(key)`` when the report's part has it,
else from ``bench.province.measure`` at the baseline and full sizes (medians, not p50/p95); relay and
rebuild from ``bench.relay.figures()`` and ``bench.rebuild.figures()``. A rebuild figure without a
baseline is given the COPY rate of this run. Each part that is missing or fails is a row that says why.
"""

import statistics
from pathlib import Path

from bench import bulk, copy_baseline, province, settings
from bench.configs import CONFIGURATIONS, Configuration
from bench.endtoend import TITLES, Outcome
from bench.results import Figure, Results, figure, not_measured
from bench.table import UNITS, Baselines

WRITE = "single-record write end to end (register_birth -> reporting, 1 caller)"
REBUILD = "rebuild from the logs vs PostgreSQL COPY"


def baseline_figures(base: Baselines) -> dict[str, Figure]:
    return {"A broker publish, persistent, confirm each": figure(base.publish, "msg/s"),
            "A-consume broker consume, manual ack, prefetch 100": figure(base.consume, "msg/s",
                                                                         base.publish, "A publish"),
            "B nameko no-op RPC, 1 caller": figure(base.noop, "calls/s")}


def write_figures(outcomes: list[Outcome], base: Baselines) -> dict[str, Figure]:
    """Per configuration: the single write from 1 caller against B (issue 19's figure), and the other
    end-to-end rates of its table against B too, so the JSON holds them for comparing runs."""
    made = {}
    for outcome in outcomes:
        for row in ("births 1", "births 10", "enrolments 1", "enrolments 10"):
            name = f"{outcome.configuration.label}: {TITLES[row]}"
            if row == "births 1":
                name = f"{WRITE}, {outcome.configuration.label}"
            unit, values = UNITS[row.split()[0]], outcome.rates.get(row)
            if not values:
                made[name] = not_measured(outcome.figures.get(row) or outcome.stopped or "skipped", unit)
                continue
            made[name] = figure(statistics.median(values), unit, base.noop, "B no-op RPC",
                                goal="≥ 0.7" if row == "births 1" else "",
                                note=f"median of {len(values)} rounds of {settings.REGISTRATIONS:,}")
    return made


def province_figures(configuration: Configuration, folder: Path) -> dict[str, Figure]:
    """The report part's own figures, else today's province rows as figures."""
    if hasattr(province, "figures"):
        found = province.figures(configuration.key)
        return {f"{configuration.key}: {name}": made for name, made in found.items()}
    base = province.measure(configuration.key, settings.PROVINCE_BASELINE, folder)
    full = province.measure(configuration.key, settings.PROVINCE_CHILDREN, folder)
    how = (f"{full.children:,} children; median of {settings.PROVINCE_ROUNDS}, not p50/p95 (bench.province "
           f"has no figures() yet); tables built in {full.build_seconds:.0f} s")
    baseline = f"the same at {base.children:,} children"
    prefix = f"{configuration.key}: province report by commune"
    return {
        f"{prefix}, whole province": figure(full.report_seconds * 1000, "ms", base.report_seconds * 1000,
                                            baseline, goal="≤ 1000 ms", note=how),
        f"{prefix}, workbook download": figure(
            (full.report_seconds + full.outputs.workbook_seconds) * 1000, "ms",
            (base.report_seconds + base.outputs.workbook_seconds) * 1000, baseline),
        f"{prefix}, dashboard": figure((full.report_seconds + full.outputs.page_seconds) * 1000, "ms",
                                       (base.report_seconds + base.outputs.page_seconds) * 1000, baseline),
        f"{configuration.key}: child view p99": not_measured("bench.province has no figures() yet", "ms"),
    }


def with_copy_baseline(found: dict[str, Figure], copy: Figure | None) -> None:
    """A rebuild figure that came without a baseline is measured against this run's COPY rate."""
    if not copy or not copy.get("value"):
        return
    for made in found.values():
        if made.get("baseline") is None and made.get("value") is not None:
            made.update(baseline=copy["value"], baseline_name="PostgreSQL COPY (this run)")
            made["ratio"] = made["value"] / copy["value"]


def collect(base: Baselines, outcomes: list[Outcome], configurations: list[Configuration],
            workdir: Path) -> Results:
    results = Results()
    for name, made in {**baseline_figures(base), **write_figures(outcomes, base)}.items():
        results.add(name, made)
    print("  (issue 19's figures: COPY baseline, bulk load, province, relay, rebuild)", flush=True)
    copy = results.gather(copy_baseline.NAME, copy_baseline.figures).get(copy_baseline.NAME)
    bulk_on = CONFIGURATIONS.get(settings.BULK_CONFIG)
    if bulk_on is None:
        results.add(bulk.LOADED, not_measured(f"BENCH_BULK_CONFIG={settings.BULK_CONFIG!r} is not one of "
                                              f"{', '.join(CONFIGURATIONS)}"))
    else:
        results.gather(bulk.LOADED, lambda: bulk.figures(bulk_on, workdir, base.consume))
    for configuration in configurations if settings.PROVINCE_BASELINE else ():
        results.gather(f"{configuration.key}: province report",
                       lambda c=configuration: province_figures(c, workdir))
    results.part("relay windowed vs per message", "bench.relay")
    rebuild = results.part(REBUILD, "bench.rebuild")
    with_copy_baseline({name: results.figures[name] for name in rebuild}, copy)
    return results
