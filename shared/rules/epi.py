"""The EPI schedule as dated data, and what it says about one child's doses (pure functions).

``data/epi_schedule.yaml`` holds each legal version with its effective date; the version in force on
a dose's date judges that dose, the version in force on a day makes that day's due list. A dose is
judged WHO's way: doses of an antigen are read in the order given; one given before the minimum
age, sooner than the minimum interval after the previous valid dose, or after the maximum age is
kept but does not count (``valid: false`` with the reason), and the next valid dose takes its
place. Missed doses are caught up, never restarted: the next dose is due at its age or its interval
after the last valid dose, whichever is later. Health (answers, the defaulter list) and reporting
(coverage, the child view) both read doses through this module, so they cannot disagree.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import yaml


@dataclass(frozen=True)
class Dose:
    record_id: str
    antigen: str
    dose: int
    given_on: date


@dataclass(frozen=True)
class Verdict:
    """How a dose counts: ``counts_as`` is its place in the series when valid."""

    record_id: str
    antigen: str
    dose: int
    given_on: date
    valid: bool
    reason: str | None
    counts_as: int | None


@dataclass(frozen=True)
class Due:
    antigen: str
    dose: int
    due_on: date
    days_overdue: int
    status: str  # 'upcoming', 'due' or 'overdue'


@dataclass(frozen=True)
class Row:
    antigen: str
    dose: int
    min_age: str | None = None
    due_age: str | None = None
    max_age: str | None = None
    min_interval: str | None = None
    assess_at: str | None = None
    rollout: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Version:
    name: str
    effective_from: date
    rows: tuple[Row, ...]
    rollouts: dict[str, dict[str, date]]

    def series(self, antigen: str) -> list[Row]:
        return sorted((r for r in self.rows if r.antigen == antigen and r.enabled), key=lambda r: r.dose)

    def antigens(self) -> list[str]:
        return list(dict.fromkeys(r.antigen for r in self.rows if r.enabled))


@dataclass(frozen=True)
class Schedule:
    versions: tuple[Version, ...]
    settings: dict[str, Any]

    def in_force(self, on: date) -> Version:
        """The latest version in force on ``on`` (the first one for dates before any)."""
        current = [v for v in self.versions if v.effective_from <= on]
        return current[-1] if current else self.versions[0]

    def knows(self, antigen: str, dose: int) -> bool:
        return any(r.antigen == antigen and r.dose == dose for v in self.versions for r in v.rows)

    def antigens(self) -> list[str]:
        return list(dict.fromkeys(r.antigen for v in self.versions for r in v.rows))


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for day_of_month in (day.day, 30, 29, 28):
        try:
            return date(year, month, day_of_month)
        except ValueError:
            continue
    raise ValueError(day)


def after_age(birth: date, age: str) -> date:
    """The day a child born on ``birth`` reaches ``age`` ('0d', '6w', '2m', '7y')."""
    number, unit = int(age[:-1]), age[-1]
    if unit == "d":
        return birth + timedelta(days=number)
    if unit == "w":
        return birth + timedelta(weeks=number)
    return add_months(birth, number * (12 if unit == "y" else 1))


def months_in(age: str) -> int:
    """Whole months in an age written in months or years ('12m', '8y')."""
    number, unit = int(age[:-1]), age[-1]
    return number * 12 if unit == "y" else number


def age_in_months(birth: date, day: date) -> int:
    """Completed calendar months between ``birth`` and ``day``."""
    months = (day.year - birth.year) * 12 + day.month - birth.month
    return months - 1 if add_months(birth, months) > day else months


def _after_interval(previous: date, interval: str, one_month_days: int) -> date:
    number, unit = int(interval[:-1]), interval[-1]
    days = {"d": 1, "w": 7, "m": one_month_days}.get(unit)
    return previous + timedelta(days=number * days) if days else add_months(previous, 12 * number)


def _card_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold().replace(" ", "").replace("-", "").replace("_", "")


@cache
def _card() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "vaccination_card.yaml").read_text("utf-8"))


@cache
def card_names() -> dict[str, dict[str, Any]]:
    """The vaccination card's names of each vaccine (``data/vaccination_card.yaml``), by a key that
    ignores case, spaces and hyphens: ``{"antigen": ..., "dose": ...}`` (dose only where fixed)."""
    return {_card_key(name): meaning for name, meaning in _card()["card_names"].items()}


def card_labels() -> dict[str, str]:
    """Each antigen as the card and the printed lists write it (``DPT-VGB-Hib (5 trong 1)``)."""
    return dict(_card()["labels"])


def as_on_the_schedule(antigen: Any, dose: Any) -> tuple[Any, Any]:
    """The API's (antigen, dose) for what a card writes (``HepB0``, dose 0 -> ``hepb_birth``, 1); an
    antigen that is not a card name comes back as it was."""
    meaning = card_names().get(_card_key(antigen)) if isinstance(antigen, str) and antigen else None
    if meaning is None:
        return antigen, dose
    return meaning["antigen"], meaning.get("dose", dose)


@cache
def schedule() -> Schedule:
    raw = yaml.safe_load((files("shared.rules") / "data" / "epi_schedule.yaml").read_text("utf-8"))
    versions = tuple(
        Version(v["name"], v["effective_from"],
                tuple(Row(**row) for row in [*v["rows"], *v.get("add_rows", [])]),
                v.get("rollouts", {}))
        for v in sorted(raw["versions"], key=lambda v: v["effective_from"]))
    settings = {key: value for key, value in raw.items() if key not in ("versions", "base_rows", "rollouts")}
    return Schedule(versions, settings)


def _rejection(row: Row, dose: Dose, birth: date, previous: date | None, one_month: int) -> str | None:
    if row.min_age and dose.given_on < after_age(birth, row.min_age):
        return f"given before the minimum age of {row.min_age}"
    if row.max_age and dose.given_on > after_age(birth, row.max_age):
        return f"given after the maximum age of {row.max_age}"
    too_soon = row.min_interval and previous and \
        dose.given_on < _after_interval(previous, row.min_interval, one_month)
    if too_soon:
        gap = (dose.given_on - previous).days
        return f"given {gap} days after the previous dose; the minimum interval is {row.min_interval}"
    return None


def _given_order(dose: Dose) -> tuple[date, str]:
    return dose.given_on, dose.record_id


def judge(birth: date, doses: list[Dose], plan: Schedule | None = None) -> list[Verdict]:
    """Judge every dose of a child born on ``birth``, antigen by antigen, in the order given."""
    plan = plan or schedule()
    one_month = plan.settings["one_month_days"]
    verdicts = []
    for antigen in dict.fromkeys(d.antigen for d in doses):
        counted: list[date] = []
        for dose in sorted((d for d in doses if d.antigen == antigen), key=_given_order):
            series = plan.in_force(dose.given_on).series(antigen)
            if len(counted) >= len(series):
                reason = f"extra dose: the schedule has {len(series)}"
            else:
                reason = _rejection(series[len(counted)], dose, birth, counted[-1] if counted else None,
                                    one_month)
            if reason is None:
                counted.append(dose.given_on)
            verdicts.append(Verdict(dose.record_id, antigen, dose.dose, dose.given_on, reason is None,
                                    reason, len(counted) if reason is None else None))
    return verdicts


def _rolled_out(version: Version, row: Row, province: str | None, on: date) -> bool:
    if row.rollout is None:
        return True
    start = version.rollouts.get(row.rollout, {}).get(province)
    return start is not None and start <= on


def next_doses(birth: date, verdicts: list[Verdict], as_of: date, province: str | None,
               plan: Schedule | None = None) -> list[Due]:
    """Each antigen's next dose on ``as_of`` (upcoming, due or overdue), most overdue first;
    nothing once the child is past ``eligible_until``, a series is complete or its dose missed."""
    plan = plan or schedule()
    settings = plan.settings
    if as_of >= after_age(birth, settings["eligible_until"]) or as_of < birth:
        return []
    version, found = plan.in_force(as_of), []
    for antigen in version.antigens():
        valid = sorted(v.given_on for v in verdicts if v.antigen == antigen and v.valid)
        series = version.series(antigen)
        if len(valid) >= len(series):
            continue
        row = series[len(valid)]
        if not _rolled_out(version, row, province, as_of):
            continue
        if row.max_age and as_of > after_age(birth, row.max_age):
            continue
        candidates = [after_age(birth, a) for a in (row.due_age, row.min_age) if a][:1]
        if row.min_interval and valid:
            candidates.append(_after_interval(valid[-1], row.min_interval, settings["one_month_days"]))
        if not candidates:
            continue
        due_on = max(candidates)
        late = (as_of - due_on).days
        status = "upcoming" if late < 0 else "overdue" if late > settings["overdue_after_days"] else "due"
        found.append(Due(antigen, row.dose, due_on, max(late, 0), status))
    return sorted(found, key=lambda d: (-d.days_overdue, d.due_on, d.antigen))


def valid_by(verdicts: list[Verdict], birth: date, age: str) -> dict[str, int]:
    """How many valid doses of each antigen were given before the child reached ``age``."""
    limit, counts = after_age(birth, age), {}
    for verdict in verdicts:
        if verdict.valid and verdict.given_on < limit:
            counts[verdict.antigen] = counts.get(verdict.antigen, 0) + 1
    return counts


def fully_immunised(verdicts: list[Verdict], birth: date, plan: Schedule | None = None) -> bool:
    rule = (plan or schedule()).settings["fully_immunised"]
    counts = valid_by(verdicts, birth, rule["by_age"])
    return all(counts.get(antigen, 0) >= needed for antigen, needed in rule["require"].items())
