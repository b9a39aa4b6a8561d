"""The automatic referrals education raises, as conditions on its enrolments and its registry copy.

For the school year a day falls in, once the rule's days into that year have passed: a living child
who is 5 by birth year with no enrolment that year; a child of 6 to 8 never enrolled; a child of 6
to 8 whose last enrolment ended as a drop-out and who is in no school now (looked at as soon as the
end is recorded: an end for a transfer or a move does not count); and a child education has records
of whom the registry has not registered after the rule's grace days.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from services.education.orm import Enrolment
from services.education.repository import EducationStore
from shared.kit.referral_rules import unregistered
from shared.rules import schooling
from shared.rules.admin_units import CURRENT, admin_units
from shared.rules.referrals import AutomaticRule

Children = list[str] | None  # the children to look at; None: every child education knows
DROPPED_OUT = "dropped_out"


def _living(store: EducationStore, child_ids: Children, on: date, ages: range) -> dict[str, Any]:
    """Known children alive on ``on`` whose age by birth year, in the school year of ``on``, is in
    ``ages``, each with the commune it lives in (on the map in force on ``on``)."""
    year = schooling.school_year_of(on)
    model = store.child_model
    query = select(model)
    if child_ids is not None:
        query = query.where(model.child_id.in_(child_ids))
    column = "current_commune" if admin_units().map_on(on) == CURRENT else "legacy_commune"
    return {c.child_id: getattr(c, column) for c in store.session.scalars(query)
            if c.date_of_birth <= on and (c.date_of_death is None or c.date_of_death > on)
            and schooling.age_by_year(c.date_of_birth, year) in ages and getattr(c, column)}


def _enrolments(store: EducationStore, child_ids: list[str]) -> dict[str, list[Enrolment]]:
    found: dict[str, list[Enrolment]] = {child_id: [] for child_id in child_ids}
    if child_ids:
        rows = store.session.scalars(select(Enrolment).where(Enrolment.child_id.in_(child_ids),
                                                             Enrolment.voided.is_(False)))
        for row in rows:
            found[row.child_id].append(row)
    return found


def _far_enough_into_the_year(rule: AutomaticRule, on: date) -> bool:
    start = schooling.first_day(schooling.school_year_of(on))
    return on >= start + timedelta(days=rule.params["days_into_school_year"])


def _in_school(enrolments: list[Enrolment], on: date) -> bool:
    return any(e.start_date <= on and (e.ended_on is None or e.ended_on > on)
               and e.school_year == schooling.school_year_of(on) for e in enrolments)


def not_enrolled_at_5(store: EducationStore, rule: AutomaticRule, child_ids: Children,
                      on: date) -> dict[str, str]:
    if not _far_enough_into_the_year(rule, on):
        return {}
    children = _living(store, child_ids, on, range(5, 6))
    year, enrolled = schooling.school_year_of(on), _enrolments(store, list(children))
    return {child_id: commune for child_id, commune in children.items()
            if not any(e.school_year == year for e in enrolled[child_id])}


def never_enrolled_6_8(store: EducationStore, rule: AutomaticRule, child_ids: Children,
                       on: date) -> dict[str, str]:
    if not _far_enough_into_the_year(rule, on):
        return {}
    children = _living(store, child_ids, on, range(6, 9))
    enrolled = _enrolments(store, list(children))
    return {child_id: commune for child_id, commune in children.items() if not enrolled[child_id]}


def dropped_out_6_8(store: EducationStore, rule: AutomaticRule, child_ids: Children,
                    on: date) -> dict[str, str]:
    children = _living(store, child_ids, on, range(6, 9))
    enrolled = _enrolments(store, list(children))
    found = {}
    for child_id, commune in children.items():
        ended = [e for e in enrolled[child_id] if e.ended_on is not None and e.ended_on <= on]
        last = max(ended, key=lambda e: (e.ended_on, e.record_id), default=None)
        if last is not None and last.end_reason == DROPPED_OUT and not _in_school(enrolled[child_id], on):
            found[child_id] = commune
    return found


def not_in_registry(store: EducationStore, rule: AutomaticRule, child_ids: Children,
                    on: date) -> dict[str, str]:
    """Children education has records of whom the registry has not registered (``unregistered``)."""
    return unregistered(store, rule, child_ids, on)


CONDITIONS = {"not_enrolled_at_5": not_enrolled_at_5, "never_enrolled_6_8": never_enrolled_6_8,
              "dropped_out_6_8": dropped_out_6_8, "not_in_registry": not_in_registry}
