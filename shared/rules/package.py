"""The age-appropriate package (BRIEF section 9, indicator 1; Decision 1437 target a) as data
(``data/package.yaml``), pure functions.

The package is a list of components (birth registered, insurance card, vaccinations up to date...),
each with the ages it applies to: completed months on ``as_of`` (``months: [low, high)``), or years by
birth year in the school year ``as_of`` falls in (``years_by_birth_year: [a, b]``, as education counts
kindergarten and school ages). A child is covered when every component that applies to it is met;
what "met" means is reporting's (one SQL condition per component), the ages and parameters are here.
Ages become ranges of dates of birth (``AgeRule.births``), exact for calendar months (a child born on
31 January is one month old on 28 February), so reporting's counts and the pure check agree.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from typing import Any, NamedTuple

import yaml

from shared.rules import epi, schooling

ONE_DAY = timedelta(days=1)


def latest_birth(as_of: date, age: str, grace_days: int = 0) -> date:
    """The last date of birth of a child who had reached ``age`` ('2m', '6w', '0d') at least
    ``grace_days`` before ``as_of``: the largest ``b`` with ``after_age(b, age) + grace <= as_of``."""
    day = as_of - timedelta(days=grace_days)
    guess = epi.add_months(day, -epi.months_in(age)) if age[-1] in "my" else day - (
        epi.after_age(day, age) - day)
    while epi.after_age(guess + ONE_DAY, age) <= day:
        guess += ONE_DAY
    while epi.after_age(guess, age) > day:
        guess -= ONE_DAY
    return guess


@dataclass(frozen=True)
class AgeRule:
    """One age range a component applies to (and, for enrolment, the levels that meet it)."""

    months: tuple[int, int] | None = None
    years_by_birth_year: tuple[int, int] | None = None
    levels: tuple[str, ...] = ()

    def births(self, as_of: date) -> tuple[date, date]:
        """First and last date of birth (both included) of the children of this age on ``as_of``."""
        if self.months is not None:
            low, high = self.months
            return latest_birth(as_of, f"{high}m") + ONE_DAY, latest_birth(as_of, f"{low}m")
        low, high = self.years_by_birth_year
        year = schooling.school_year_of(as_of)
        return schooling.born_in(year, high)[0], schooling.born_in(year, low)[1]

    def holds(self, birth: date, as_of: date) -> bool:
        first, last = self.births(as_of)
        return first <= birth <= last


@dataclass(frozen=True)
class Component:
    name: str
    vi: str
    en: str
    rules: tuple[AgeRule, ...]
    protected: bool = False  # protection data: counted province-wide, suppressed, listed to its officers
    settings: dict[str, Any] = field(default_factory=dict)

    def applies(self, birth: date, as_of: date) -> bool:
        return any(rule.holds(birth, as_of) for rule in self.rules)


def _rule(raw: dict[str, Any]) -> AgeRule:
    months, by_year = raw.get("months"), raw.get("years_by_birth_year")
    return AgeRule(tuple(months) if months else None, tuple(by_year) if by_year else None,
                   tuple(raw.get("levels", ())))


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "package.yaml").read_text("utf-8"))


def population() -> AgeRule:
    """The headline's denominator's ages: resident children 0 through 8 completed years by default."""
    return _rule(rules()["population"])


@cache
def components() -> tuple[Component, ...]:
    found = []
    for name, raw in rules()["components"].items():
        settings = {k: v for k, v in raw.items() if k not in ("vi", "en", "rules", "protected")}
        found.append(Component(name, raw["vi"], raw["en"], tuple(_rule(r) for r in raw["rules"]),
                               bool(raw.get("protected", False)), settings))
    return tuple(found)


def names() -> tuple[str, ...]:
    return tuple(c.name for c in components())


def component(name: str) -> Component:
    return next(c for c in components() if c.name == name)


class DueDose(NamedTuple):
    """A dose the EPI component requires of the children born from ``first_birth`` (None: no
    limit; older ones are past its ``max_age``, so it is missed, not missing) to ``last_birth``."""

    antigen: str
    dose: int
    first_birth: date | None
    last_birth: date


def due_doses(as_of: date, epi_component: Component) -> list[DueDose]:
    """Each dose the schedule in force on ``as_of`` makes due (its due age, or its minimum age where
    it has none, plus the component's grace) among the component's antigens, for the children not
    yet past its maximum age on ``as_of`` (as the due list: ``epi.next_doses``)."""
    grace, antigens = epi_component.settings["grace_days"], epi_component.settings["antigens"]
    rows = [row for row in epi.schedule().in_force(as_of).rows if row.enabled and row.antigen in antigens]
    return [DueDose(row.antigen, row.dose,
                    latest_birth(as_of - ONE_DAY, row.max_age) + ONE_DAY if row.max_age else None,
                    latest_birth(as_of, row.due_age or row.min_age, grace))
            for row in rows if row.due_age or row.min_age]


def age(birth: date, as_of: date) -> tuple[int, int]:
    """Completed years and completed months of a child born on ``birth``, on ``as_of``."""
    months = epi.age_in_months(birth, as_of)
    return months // 12, months
