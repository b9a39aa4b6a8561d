"""The bench's printed table: the baselines, then one labelled block of rows per configuration.

Each row is a measure, its figure, the unit and a note: for a rate, its ratios against the baselines
of the same run (A broker publish, B no-op RPC, C births from 1 caller on PostgreSQL); for the write
latency, p99 and how many calls were answered; for a measurement that did not complete, what it got;
for the rows a stop left unmeasured, "skipped", under a line that says why.
"""

import math
import statistics
from dataclasses import dataclass

from bench import settings
from bench.calls import Tally
from bench.endtoend import TITLES, Outcome

Row = tuple[str, str, str, str]
NAME_WIDTH = 50
HEADER: Row = ("measure", "figure", "unit", "note")
UNITS = {"births": "births/s", "enrolments": "enrol/s"}


@dataclass
class Baselines:
    publish: float  # A
    consume: float
    noop: float  # B
    births_one: float | None = None  # C, once PostgreSQL gave it

    def rows(self) -> list[Row]:
        return [
            ("broker: kombu publish, persistent, confirm each", f"{self.publish:.1f}", "msg/s",
             "1.00 (baseline A)"),
            ("broker: kombu consume, manual ack, prefetch 100", f"{self.consume:.1f}", "msg/s",
             f"{self.consume / self.publish:.2f} x A"),
            ("nameko no-op RPC, 1 caller", f"{self.noop:.1f}", "calls/s", "1.00 (baseline B)"),
        ]

    def ratios(self, rate: float) -> str:
        c = f"{rate / self.births_one:.2f} x C" if self.births_one else "no C (PostgreSQL gave none)"
        return f"{rate / self.publish:.3f} x A, {rate / self.noop:.2f} x B, {c}"


def print_rows(rows: list[Row]) -> None:
    for name, value, unit, note in rows:
        print(f"{name:<{NAME_WIDTH}}  {value:>10}  {unit:<9} {note}".rstrip(), flush=True)


def print_figures(rows: list[Row]) -> None:
    """Issue 19's figures: a name on its line (they are long), its figure and note under it."""
    for name, value, unit, note in rows:
        print(f"{name}\n  {value:>12} {unit:<10} {note}".rstrip(), flush=True)


def configuration_rows(outcome: Outcome, base: Baselines) -> list[Row]:
    configuration = outcome.configuration
    rows: list[Row] = [(f"{configuration.label}: {configuration.where}", "", "", "")]
    if outcome.stopped:
        rows.append((f"  stopped after {outcome.seconds:.0f} s: {outcome.stopped}", "", "", ""))
    rows.append(latency_row(outcome))
    for row in ("births 1", "births 10", "enrolments 1", "enrolments 10"):
        rows.append(rate_row(outcome, row, base))
    rows.append(report_row(outcome, base))
    return rows


def latency_row(outcome: Outcome) -> Row:
    name = f"  {TITLES['latency']}: latency per call"
    tally, figure = outcome.latency, outcome.figures.get("latency")
    if tally is None:
        return (name, "—", "", figure or "skipped")
    p50, p99 = tally.percentile(50), tally.percentile(99)
    answered = p50 is not None and p50 != math.inf
    value = f"{p50 * 1000:.1f}" if answered else "—"
    spread = f"p99 {seconds(p99, tally)}"
    if not answered:
        spread = f"p50 {seconds(p50, tally)}, {spread}"
    return (name, value, "ms p50", f"{spread}; {figure or tally.counts()}")


def seconds(value: float | None, tally: Tally) -> str:
    if value is None:
        return "none answered"
    return f"> {tally.timeout:g} s" if value == math.inf else f"{value * 1000:.1f} ms"


def rate_row(outcome: Outcome, row: str, base: Baselines) -> Row:
    name, unit = f"  {TITLES[row]}", UNITS[row.split()[0]]
    values, figure = outcome.rates.get(row, []), outcome.figures.get(row)
    if not values:
        return (name, "—", unit, figure or "skipped")
    rate = statistics.median(values)
    is_c = outcome.configuration.key == "postgresql" and row == "births 1"
    note = (f"{rate / base.publish:.3f} x A, {rate / base.noop:.2f} x B, 1.00 (baseline C)" if is_c
            else base.ratios(rate))
    if len(values) < settings.ROUNDS:
        note += f"; {len(values)} of {settings.ROUNDS} rounds"
    return (name, f"{rate:.1f}", unit, note + (f"; then {figure}" if figure else ""))


def report_row(outcome: Outcome, base: Baselines) -> Row:
    name = f"  {TITLES['report']} by commune"
    if outcome.report_seconds is None:
        return (name, "—", "reports/s", outcome.figures.get("report", "skipped"))
    rate = 1 / outcome.report_seconds
    return (name, f"{rate:.1f}", "reports/s", f"{outcome.report_seconds * 1000:.0f} ms each over "
                                              f"{outcome.children:,} children; {rate / base.noop:.4f} x B")
