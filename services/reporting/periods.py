"""Reporting periods written as a spec, pure: ``2026-06`` (a month), ``2026-Q2`` (a quarter),
``2026-H1`` (a half-year), ``2026`` (a year), ``2025-2026`` (a school year, its days from
``shared.rules.schooling``) and ``plan:2021-2025`` (a plan period: 1 January of the first year to
31 December of the last). ``parse`` gives the first and last day, both inclusive; a spec that is
none of these raises ``BadPeriod`` saying which forms are expected.
"""

import re
from collections.abc import Callable
from datetime import date, timedelta

from shared.rules import schooling

FORMATS = ("YYYY-MM (month)", "YYYY-Qn (quarter, n 1-4)", "YYYY-Hn (half-year, n 1-2)", "YYYY (year)",
           "YYYY-YYYY (school year)", "plan:YYYY-YYYY (plan period)")
EXPECTED = f"Expected one of: {', '.join(FORMATS)}."


class BadPeriod(ValueError):
    """Not a period spec; the message names the expected forms."""


def _months(year: int, first: int, count: int) -> tuple[date, date]:
    after = date(year + (first + count - 1) // 12, (first + count - 1) % 12 + 1, 1)
    return date(year, first, 1), after - timedelta(days=1)


def _month(m: re.Match) -> tuple[date, date]:
    return _months(int(m[1]), int(m[2]), 1)


def _quarter(m: re.Match) -> tuple[date, date]:
    return _months(int(m[1]), 3 * int(m[2]) - 2, 3)


def _half(m: re.Match) -> tuple[date, date]:
    return _months(int(m[1]), 6 * int(m[2]) - 5, 6)


def _year(m: re.Match) -> tuple[date, date]:
    return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)


def _school_year(m: re.Match) -> tuple[date, date]:
    start_year = schooling.parse_school_year(m[0])
    if start_year is None:
        raise BadPeriod(f"{m[0]!r}: a school year's second year follows its first. {EXPECTED}")
    return schooling.first_day(start_year), schooling.last_day(start_year)


def _plan(m: re.Match) -> tuple[date, date]:
    first, last = int(m[1]), int(m[2])
    if last < first:
        raise BadPeriod(f"{m[0]!r}: a plan period ends after it starts. {EXPECTED}")
    return date(first, 1, 1), date(last, 12, 31)


YEAR = r"(19\d\d|2\d\d\d)"
FORMS: tuple[tuple[re.Pattern, Callable[[re.Match], tuple[date, date]]], ...] = (
    (re.compile(rf"{YEAR}-(0[1-9]|1[0-2])\Z"), _month),
    (re.compile(rf"{YEAR}-Q([1-4])\Z"), _quarter),
    (re.compile(rf"{YEAR}-H([12])\Z"), _half),
    (re.compile(rf"{YEAR}\Z"), _year),
    (re.compile(rf"{YEAR}-{YEAR}\Z"), _school_year),
    (re.compile(rf"plan:{YEAR}-{YEAR}\Z"), _plan),
)


def parse(spec: str) -> tuple[date, date]:
    """The first and last day of the period ``spec`` names."""
    text = spec.strip() if isinstance(spec, str) else ""
    for pattern, bounds in FORMS:
        if match := pattern.match(text):
            return bounds(match)
    raise BadPeriod(f"{spec!r} is not a period. {EXPECTED}")
