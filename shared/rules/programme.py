"""Programme figures that are not child events (``data/programme_figures.yaml``), pure.

Officers enter aggregate values per commune and period: trainings of staff and of parents (each a
trained / total pair), communication sessions, a declared working referral network. This module
reads a period code (``2026``, ``2026-H1``, ``2026-Q3``), judges a commune's values (unknown
figure, not a whole number, negative, above the figure's bound, more trained than in total, the
latter also against the values already stored), and makes one commune's figure for a report period
from the entries of the periods that meet it (``combine``): entries whose period lies inside the
report's first (coarsest first), then the others that overlap it (finest first), never two that
overlap each other; a ``sum`` figure adds them, a ``latest`` one takes the one that ends last.
``reported`` turns the communes' figures into the report's numerator / denominator / value.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

PERIOD = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<part>H[12]|Q[1-4]))?\Z")
PART_MONTHS = {None: (1, 12), "H1": (1, 6), "H2": (7, 12), "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9),
               "Q4": (10, 12)}
MONTH_END = {3: 31, 6: 30, 9: 30, 12: 31}


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "programme_figures.yaml").read_text("utf-8"))


def figures() -> dict[str, dict[str, Any]]:
    return rules()["figures"]


@dataclass(frozen=True)
class Period:
    """A year, half-year or quarter: its code and its first and last day."""

    code: str
    start: date
    end: date

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def within(self, start: date, end: date) -> bool:
        return start <= self.start and self.end <= end

    def meets(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


def parse_period(code: Any, today: date) -> Period:
    """The period a code names; ``ValueError`` saying what a period looks like otherwise."""
    found = PERIOD.match(code) if isinstance(code, str) else None
    if found is None:
        raise ValueError("Must be a year (2026), a half-year (2026-H1) or a quarter (2026-Q3).")
    year, (first, last) = int(found["year"]), PART_MONTHS[found["part"]]
    period = Period(code, date(year, first, 1), date(year, last, MONTH_END[last]))
    if year < rules()["first_year"]:
        raise ValueError(f"Must not be before {rules()['first_year']}.")
    if period.start > today:
        raise ValueError(f"Must have started by today ({today.isoformat()}).")
    return period


def value_errors(values: Mapping[str, Any], stored: Mapping[str, int]) -> dict[str, list[str]]:
    """What is wrong with ``values`` (figure code -> whole number), field by field (``values.<code>``),
    given the commune's values already ``stored`` for that period (a pair is judged on both)."""
    known, errors = figures(), {}
    for code, value in values.items():
        if code not in known:
            errors[f"values.{code}"] = [f"Unknown figure; known: {', '.join(known)}."]
        elif not isinstance(value, int) or isinstance(value, bool):
            errors[f"values.{code}"] = ["Must be a whole number."]
        elif not 0 <= value <= known[code]["max"]:
            errors[f"values.{code}"] = [f"Must be between 0 and {known[code]['max']}."]
    if errors:
        return errors
    merged = {**stored, **values}
    for code in values:
        pair = _pair(code)
        if pair is not None and all(c in merged for c in pair) and merged[pair[0]] > merged[pair[1]]:
            errors[f"values.{code}"] = [f"{pair[0]} ({merged[pair[0]]}) must not exceed {pair[1]} "
                                        f"({merged[pair[1]]})."]
    return errors


def _pair(code: str) -> tuple[str, str] | None:
    """(trained, total) of a figure that is one side of a pair."""
    rule = figures()[code]
    if rule["kind"] == "numerator":
        return code, rule["pair"]
    return (rule["pair"], code) if rule["kind"] == "denominator" else None


def chosen(periods: Iterable[Period], start: date, end: date) -> list[Period]:
    """The periods that make a figure for ``start``-``end``: those inside it, coarsest first, then
    those that overlap it, finest first; each kept only if it overlaps none kept before."""
    meeting = [p for p in set(periods) if p.meets(start, end)]
    order = sorted(meeting, key=lambda p: (not p.within(start, end),
                                           -p.months if p.within(start, end) else p.months, p.start))
    kept: list[Period] = []
    for period in order:
        if not any(period.meets(other.start, other.end) for other in kept):
            kept.append(period)
    return kept


def combine(code: str, entries: Mapping[Period, int], start: date, end: date) -> int | None:
    """One commune's ``code`` figure for ``start``-``end`` from its entries by period (None: none)."""
    kept = chosen(entries, start, end)
    if not kept:
        return None
    if figures()[code]["over_time"] == "sum":
        return sum(entries[p] for p in kept)
    return entries[max(kept, key=lambda p: (p.end, p.months))]


def _ratio(numerator: int, denominator: int | None, reporting: int) -> dict[str, Any]:
    value = round(numerator / denominator, 4) if denominator else None
    return {"numerator": numerator, "denominator": denominator, "value": value,
            "communes_reporting": reporting}


def _pooled(communes: Iterable[Mapping[str, int]], pairs: list[list[str]]) -> dict[str, Any]:
    """Trained over total, summed over every commune and pair where both sides were entered."""
    numerator = denominator = reporting = 0
    for values in communes:
        both = [(values[n], values[d]) for n, d in pairs if n in values and d in values]
        numerator += sum(n for n, _ in both)
        denominator += sum(d for _, d in both)
        reporting += bool(both)
    return _ratio(numerator, denominator, reporting)


def _count(communes: Iterable[Mapping[str, int]], code: str) -> dict[str, Any]:
    found = [values[code] for values in communes if code in values]
    return {"numerator": sum(found), "denominator": None, "value": sum(found),
            "communes_reporting": len(found)}


def _share_of_declared(communes: Iterable[Mapping[str, int]], code: str) -> dict[str, Any]:
    found = [values[code] for values in communes if code in values]
    return _ratio(sum(1 for v in found if v), len(found), len(found))


def reported(communes: Iterable[Mapping[str, int]]) -> dict[str, dict[str, Any]]:
    """The report's programme figures from each commune's figures for the period (figure -> value)."""
    communes = list(communes)
    found = {}
    for key, rule in rules()["reported"].items():
        if "ratio" in rule:
            found[key] = _pooled(communes, [rule["ratio"]])
        elif "pooled" in rule:
            found[key] = _pooled(communes, rule["pooled"])
        elif "count" in rule:
            found[key] = _count(communes, rule["count"])
        else:
            found[key] = _share_of_declared(communes, rule["share_of_declared"])
    return found
