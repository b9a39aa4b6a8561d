"""The plan's health indicators for an area on a date (BRIEF section 9, indicators 7-13).

Same frame as the registry's: children counted where they lived on ``as_of``, known by then
(registered, or recorded provisionally before the registration: issue 18) and alive then; every
figure is a conditional count in the area's one statement. Cohorts are the
children who reached an age within the period (12 months for the infant doses, ``assess_at`` for
later ones). A dose counts when the schedule judged it valid and it was given before that age.
Prevalence reads, per index, each child's LATEST measurement in the period with a z-score that may
count (computed, not flagged), so a child with two measurements counts once; cut-offs and the
rule for "fully immunised" come from ``shared/rules/data``; the figures are declared in
``catalogue.yaml`` (a family per antigen and dose, per growth condition and per screening kind:
``FAMILIES``). Disability screening could identify a child in a small commune: it is counted for
the whole province and small-cell suppressed with protection's counts (``province_cells``), and the
area's figure is read from that table.
"""

from datetime import date
from typing import Any

from sqlalchemy import and_, exists, not_, select
from sqlalchemy.orm import aliased

from services.reporting import repository as q
from services.reporting.orm import ChildView, HealthCheck, HealthDose, HealthMeasurement, HealthScreening
from services.reporting.sources.health.projection import INDEX_COLUMNS
from shared.contracts.health import POSITIVE, SCREENING_KINDS
from shared.rules import epi, growth

AGE_GROUPS = {growth.WHO2006: "under5", growth.WHO2007: "5_8"}
SUPPRESSED_SCREENINGS = ("disability",)  # small-cell suppressed like protection's counts


def _living(as_of: date):
    """Known by ``as_of`` (registered, or recorded provisionally: a sector's figures count the
    children it serves before their registration, issue 18), alive then and born by then."""
    return and_(q.known_by(as_of), q.alive_on(as_of), ChildView.date_of_birth <= as_of)


def _cohort(as_of: date, start: date, end: date, months: int):
    """Children who reached ``months`` of age within the period."""
    return and_(_living(as_of), ChildView.date_of_birth >= epi.add_months(start, -months),
                ChildView.date_of_birth <= epi.add_months(end, -months))


def _dose(antigen: str, place: int, before_months: int):
    return exists().where(HealthDose.child_id == ChildView.child_id, HealthDose.antigen == antigen,
                          HealthDose.counts_as == place, HealthDose.valid.is_(True),
                          HealthDose.age_months < before_months)


def coverage_rows(as_of: date) -> list[tuple[str, int, int]]:
    plan = epi.schedule()
    default = epi.months_in(plan.settings["coverage_by_age"])
    return [(row.antigen, row.dose, epi.months_in(row.assess_at) if row.assess_at else default)
            for row in plan.in_force(as_of).rows if row.enabled]


def _immunisation(as_of: date, start: date, end: date) -> dict[str, Any]:
    settings = epi.schedule().settings
    rule, drop = settings["fully_immunised"], settings["dropout"]
    by = epi.months_in(rule["by_age"])
    counted = {"cohort_12m": _cohort(as_of, start, end, by)}
    counted["fully_immunised"] = and_(counted["cohort_12m"], *[
        _dose(antigen, needed, by) for antigen, needed in rule["require"].items()])
    for antigen, place, months in coverage_rows(as_of):
        counted.setdefault(f"cohort_{months}m", _cohort(as_of, start, end, months))
        counted[f"dose_{antigen}_{place}"] = and_(counted[f"cohort_{months}m"], _dose(antigen, place, months))
    drop_by = epi.months_in(drop["by_age"])
    first = and_(counted["cohort_12m"], _dose(drop["antigen"], drop["first"], drop_by))
    counted["dropout_first"] = first
    counted["dropout_not_last"] = and_(first, not_(_dose(drop["antigen"], drop["last"], drop_by)))
    return counted


def _latest_beyond(reference: str, column: str, start: date, end: date, rule: dict | None):
    """The child's latest countable ``column`` z-score of ``reference`` in the period (passing
    ``rule``'s cut-off when given): read as one look-up of the child's latest row (by day, then record
    id), not as "a row with no later one" (which read the child's rows once per row)."""
    m = aliased(HealthMeasurement)
    z = getattr(m, column)
    countable = (m.child_id == ChildView.child_id, m.reference == reference, z.is_not(None),
                 m.measured_on >= start, m.measured_on <= end)
    if rule is None:
        return exists().where(*countable)
    latest = (select(z).where(*countable).order_by(m.measured_on.desc(), m.record_id.desc())
              .limit(1).scalar_subquery())
    return latest < rule["below"] if "below" in rule else latest > rule["above"]


def _nutrition(as_of: date, start: date, end: date) -> dict[str, Any]:
    living, counted = _living(as_of), {}
    under5 = and_(living, q.born_after(epi.add_months(as_of, -60)))
    counted["under5_living"] = under5
    counted["under5_measured"] = and_(under5, exists().where(
        HealthMeasurement.child_id == ChildView.child_id, HealthMeasurement.reference.is_not(None),
        HealthMeasurement.measured_on >= start, HealthMeasurement.measured_on <= end))
    for reference, conditions in growth.rules()["conditions"].items():
        group = AGE_GROUPS[reference]
        for name, rule in conditions.items():
            column = INDEX_COLUMNS[rule["index"]]
            counted.setdefault(f"measured_{group}_{column}",
                               and_(living, _latest_beyond(reference, column, start, end, None)))
            counted[f"{name}_{group}"] = and_(living, _latest_beyond(reference, column, start, end, rule))
    return counted


def _checks_and_screening(as_of: date, start: date, end: date) -> dict[str, Any]:
    living = _living(as_of)
    aged_3_8 = and_(living, q.born_after(epi.add_months(as_of, -108)),
                    ChildView.date_of_birth <= epi.add_months(as_of, -36))
    counted = {"aged_3_8": aged_3_8, "checked_3_8": and_(aged_3_8, q.among_few(
        HealthCheck, HealthCheck.checked_on >= start, HealthCheck.checked_on <= end))}
    for kind in SCREENING_KINDS:
        if kind not in SUPPRESSED_SCREENINGS:
            counted.update(_screening(as_of, start, end, kind))
    return counted


def _screening(as_of: date, start: date, end: date, kind: str) -> dict[str, Any]:
    s = HealthScreening

    def screened(*extra):  # a few children a period: the set of them, made once
        return q.among_few(s, s.kind == kind, s.screened_on >= start, s.screened_on <= end, *extra)

    living = _living(as_of)
    return {f"screened_{kind}": and_(living, screened()),
            f"positive_{kind}": and_(living, screened(s.result.in_(POSITIVE)))}


def conditions(as_of: date, start: date, end: date) -> dict[str, Any]:
    return {**_immunisation(as_of, start, end), **_nutrition(as_of, start, end),
            **_checks_and_screening(as_of, start, end)}


def suppressed_conditions(as_of: date, start: date, end: date) -> dict[str, Any]:
    """The counts of the screenings that could identify a child, counted for the whole province."""
    counted: dict[str, Any] = {}
    for kind in SUPPRESSED_SCREENINGS:
        counted.update(_screening(as_of, start, end, kind))
    return counted


def _coverage(as_of: date) -> list[dict[str, Any]]:
    return [{"antigen": antigen, "dose": dose, "months": months}
            for antigen, dose, months in coverage_rows(as_of)]


def _growth_conditions(as_of: date) -> list[dict[str, Any]]:
    return [{"name": name, "group": AGE_GROUPS[reference], "column": INDEX_COLUMNS[rule["index"]]}
            for reference, conditions_ in growth.rules()["conditions"].items()
            for name, rule in conditions_.items()]


def _screenings(as_of: date) -> list[dict[str, Any]]:
    return [{"kind": kind, "suppressed": kind in SUPPRESSED_SCREENINGS} for kind in SCREENING_KINDS]


FAMILIES = {"epi_coverage": _coverage, "growth_conditions": _growth_conditions, "screenings": _screenings}
