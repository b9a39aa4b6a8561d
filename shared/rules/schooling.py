"""School years and the education rules as data (``data/education_rules.yaml``), pure functions.

A school year is written ``"2024-2025"`` and named here by its start year (2024); it runs from the
configured start day of that year (1 August) to the day before it the next year. Ages for
kindergarten, grade 1 and school age are counted by birth YEAR (start year - birth year), as the
Law on Education counts them; creche ages are exact months. Education (to check an enrolment) and
reporting (to count the indicators) both read them here, so they cannot disagree.
"""

import re
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

SCHOOL_YEAR = re.compile(r"(\d{4})-(\d{4})\Z")
LEVELS = ("creche", "kindergarten", "primary")
CRECHE, KINDERGARTEN, PRIMARY = LEVELS


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "education_rules.yaml").read_text("utf-8"))


def parse_school_year(text: str) -> int | None:
    """The start year of ``"2024-2025"``; None unless the second year follows the first."""
    match = SCHOOL_YEAR.match(text) if isinstance(text, str) else None
    if match is None or int(match[2]) != int(match[1]) + 1 or not 1900 <= int(match[1]) <= 2998:
        return None
    return int(match[1])


def format_school_year(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def first_day(start_year: int) -> date:
    month, day = (int(part) for part in rules()["school_year"]["starts"].split("-"))
    return date(start_year, month, day)


def last_day(start_year: int) -> date:
    return first_day(start_year + 1) - timedelta(days=1)


def school_year_of(day: date) -> int:
    """The start year of the school year ``day`` falls in."""
    return day.year if day >= first_day(day.year) else day.year - 1


def age_by_year(date_of_birth: date, start_year: int) -> int:
    """The age the law uses for school entry: the start year minus the birth year."""
    return start_year - date_of_birth.year


def born_in(start_year: int, age: int) -> tuple[date, date]:
    """First and last birth date of the children who are ``age`` by year in that school year."""
    return date(start_year - age, 1, 1), date(start_year - age, 12, 31)


def exceptions() -> dict[str, str]:
    """The documented reasons a child may start grade 1 late (code -> Vietnamese / English)."""
    return rules()["grade1"]["exceptions"]


def end_reasons() -> list[str]:
    return rules()["end_reasons"]


def labels(kind: str) -> dict[str, str]:
    """The Vietnamese of each code of ``kind`` (``level``, ``end_reason``, ``age_exception``)."""
    if kind == "age_exception":
        return {code: text.split(" / ")[0] for code, text in exceptions().items()}
    return dict(rules()["labels"][kind])


def indicator_rules() -> dict[str, Any]:
    return rules()["indicators"]
