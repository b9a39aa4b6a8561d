"""The headline: the share of resident children 0-8 who received the age-appropriate package in the
period (BRIEF section 9, indicator 1; Decision 1437 target a), and each of its components.

Children count where they lived on ``as_of`` (the residence in force that day), alive then and born
by then, aged as ``shared/rules/data/package.yaml`` says (0 through 8 completed years by default).
Unlike the registry's figures this population does NOT require the birth to be registered by
``as_of`` (a birth registered late still had a residence from its birth), so "birth registered" can
be missed. For each component ``<c>``: ``package_<c>_due`` (children it applies to) and
``package_<c>_met`` (those who have it); ``package_met``: children meeting every component that
applies to them. The ``supported`` component is protection data: its counts are made for the whole
province and small-cell suppressed (``suppressed_conditions``), and so is the composite, which would
otherwise give away how many children fail that component alone. The figures are declared in
``catalogue.yaml`` (a family entry per component: ``FAMILIES``).
"""

from datetime import date
from typing import Any

from sqlalchemy import and_, exists, false, not_, or_, true

from services.reporting import repository as q
from services.reporting.orm import (
    ChildView,
    EducationEnrolment,
    HealthCheck,
    HealthDose,
    HealthMeasurement,
    ProtectionCase,
    Referral,
)
from services.reporting.sources.education.indicators import _enrolled as enrolled_on
from services.reporting.sources.protection.indicators import ALLOWANCE, CARE, SC, _active, _served_case
from services.reporting.sources.referrals.indicators import open_on
from shared.rules import package, schooling
from shared.rules.package import AgeRule, Component

CHILDREN, MET = "package_children", "package_met"
MET_EXCEPT_PROTECTED, FAILS_PROTECTED = "package_met_except_protected", "package_fails_protected_only"
SHOWN = frozenset({CHILDREN, MET, MET_EXCEPT_PROTECTED})  # hidden only to protect a small count


def due_name(name: str) -> str:
    return f"package_{name}_due"


def met_name(name: str) -> str:
    return f"package_{name}_met"


def aged(rule: AgeRule, as_of: date):
    first, last = rule.births(as_of)
    return and_(ChildView.date_of_birth >= first, ChildView.date_of_birth <= last)


def resident_children(as_of: date):
    """Alive on ``as_of``, of the population's ages (the residence is the count's own filter)."""
    return and_(q.alive_on(as_of), ChildView.date_of_birth <= as_of, aged(package.population(), as_of))


def _valid_dose(antigen: str, place: int, as_of: date):
    d = HealthDose
    return exists().where(d.child_id == ChildView.child_id, d.antigen == antigen, d.counts_as == place,
                          d.valid.is_(True), d.given_on <= as_of)


def _epi_up_to_date(c: Component, as_of: date, start: date, end: date):
    return and_(true(), *[or_(ChildView.date_of_birth > due.last_birth, _past_max_age(due),
                              _valid_dose(due.antigen, due.dose, as_of))
                          for due in package.due_doses(as_of, c)])


def _past_max_age(due: package.DueDose):
    return false() if due.first_birth is None else ChildView.date_of_birth < due.first_birth


def _measured(c: Component, as_of: date, start: date, end: date):
    m = HealthMeasurement
    return exists().where(m.child_id == ChildView.child_id, m.reference.is_not(None), m.measured_on >= start,
                          m.measured_on <= end)


def _checked(c: Component, as_of: date, start: date, end: date):
    h = HealthCheck
    return q.among_few(h, h.checked_on >= start, h.checked_on <= end)


def _enrolled(c: Component, as_of: date, start: date, end: date):
    year = schooling.school_year_of(as_of)
    return or_(*[and_(aged(rule, as_of), enrolled_on(as_of, year, EducationEnrolment.level.in_(rule.levels)))
                 for rule in c.rules])


def _open_case(as_of: date):
    k = ProtectionCase
    return q.among_few(k, k.opened_on <= as_of, or_(k.closed_on.is_(None), k.closed_on > as_of))


def _open_referral(as_of: date, *extra):
    r = Referral
    return q.among_few(r, r.referred_on <= as_of, open_on(as_of), r.protected.is_(False), *extra)


MET_WHEN = {
    "birth_registered": lambda c, as_of, start, end: q.registered_by(as_of),
    "insurance_card": lambda c, as_of, start, end: q.card_valid_on(as_of),
    "epi_up_to_date": _epi_up_to_date,
    "growth_measured": _measured,
    "health_check": _checked,
    "enrolled": _enrolled,
    "supported": lambda c, as_of, start, end: or_(_active(ALLOWANCE, as_of), _active(CARE, as_of),
                                                  _served_case(as_of)),
    "referral_not_overdue": lambda c, as_of, start, end: not_(_open_referral(as_of, Referral.due_on < as_of)),
}
# Beyond its ages, a component applies only to children in this situation on as_of.
APPLIES_WHEN = {
    "supported": lambda as_of: or_(_active(SC, as_of), _open_case(as_of)),
    "referral_not_overdue": _open_referral,
}


def _applies(c: Component, as_of: date):
    """The component's ages (and situation, where it has one) on ``as_of``."""
    situation = APPLIES_WHEN.get(c.name)
    return and_(or_(*[aged(rule, as_of) for rule in c.rules]), *([situation(as_of)] if situation else []))


def component_conditions(c: Component, as_of: date, start: date, end: date) -> tuple[Any, Any]:
    """(applies, met) of one component, among the resident children 0-8."""
    applies = and_(resident_children(as_of), _applies(c, as_of))
    return applies, and_(applies, MET_WHEN[c.name](c, as_of, start, end))


def missing(c: Component, as_of: date, start: date, end: date):
    """The component applies to the child and is not met."""
    return and_(resident_children(as_of), _applies(c, as_of), not_(MET_WHEN[c.name](c, as_of, start, end)))


def _each_met(as_of: date, start: date, end: date, protected: bool) -> list[Any]:
    """Per component (protection data or not, as ``protected`` says): it does not apply, or it is met."""
    return [or_(not_(_applies(c, as_of)), MET_WHEN[c.name](c, as_of, start, end))
            for c in package.components() if c.protected == protected]


def covered(as_of: date, start: date, end: date):
    """Every component that applies to the child is met."""
    return and_(covered_except_protected(as_of, start, end), *_each_met(as_of, start, end, True))


def covered_except_protected(as_of: date, start: date, end: date):
    """Every component that applies to the child and is not protection data is met."""
    return and_(resident_children(as_of), *_each_met(as_of, start, end, False))


def fails_protected_only(as_of: date, start: date, end: date):
    """Every component but a protected one met: the protected ones asked first, as they apply to few
    children (in special circumstances, or with a case), so most children are ruled out at once."""
    return and_(resident_children(as_of), not_(and_(*_each_met(as_of, start, end, True))),
                *_each_met(as_of, start, end, False))


def conditions(as_of: date, start: date, end: date) -> dict[str, Any]:
    """The plain counts: each component that is not protection data (children it applies to, those
    who have it)."""
    counted = {}
    for c in package.components():
        if not c.protected:
            counted[due_name(c.name)], counted[met_name(c.name)] = component_conditions(c, as_of, start, end)
    return counted


def suppressed_conditions(as_of: date, start: date, end: date) -> dict[str, Any]:
    """The counts made for the whole province and small-cell suppressed: the protected components',
    and the composite's. Children who meet every component but a protected one (``FAILS_PROTECTED``)
    are protection data: ``package_met`` is their complement in ``package_met_except_protected``
    (``groups``), so where they are 1-4 the composite is hidden with them, and no total minus the other
    communes gives it back; and ``package_met`` is counted as that difference (``DERIVED``), which
    asks each child far fewer questions. The composite's own counts are not hidden for being small
    (``SHOWN``)."""
    counted = {CHILDREN: resident_children(as_of), MET: covered(as_of, start, end),
               MET_EXCEPT_PROTECTED: covered_except_protected(as_of, start, end),
               FAILS_PROTECTED: fails_protected_only(as_of, start, end)}
    for c in package.components():
        if c.protected:
            counted[due_name(c.name)], counted[met_name(c.name)] = component_conditions(c, as_of, start, end)
    return counted


# a count made as the first less the second (every child meeting the composite meets it but its
# protected part; the others of those fail only the protected part), not by its own condition
DERIVED = {MET: (MET_EXCEPT_PROTECTED, FAILS_PROTECTED)}


def groups() -> list[tuple[str, list[str]]]:
    """Counts that add up to another: a hidden part must not be had from the total less the rest."""
    return [(MET_EXCEPT_PROTECTED, [MET, FAILS_PROTECTED])]


def _components(as_of: date) -> list[dict[str, Any]]:
    return [{"name": c.name, "name_vi": c.vi, "name_en": c.en, "suppressed": c.protected,
             **({"breakdowns": ()} if c.protected else {})} for c in package.components()]


FAMILIES = {"components": _components}
