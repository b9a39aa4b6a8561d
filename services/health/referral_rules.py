"""The automatic referrals health raises, as conditions on what health alone knows of a child.

A growth measurement classed severe wasting or stunting (the child's latest, judged against its
birth and sex), a development or disability screening whose latest result is suspected or
confirmed, a dose overdue by more than the rule's days, and a child health has records of whom the
registry has not registered after the rule's grace days. Each check answers, for the children it is
asked about (None: every child health knows), where each child for whom it holds is placed.
"""

from datetime import date
from typing import Any

from sqlalchemy import select

from services.health.orm import Record
from services.health.repository import HealthStore
from shared.contracts.health import POSITIVE, doses, fold_health
from shared.contracts.identity import is_provisional
from shared.kit.referral_rules import unregistered
from shared.rules import epi
from shared.rules.admin_units import CURRENT, admin_units
from shared.rules.referrals import AutomaticRule

Children = list[str] | None  # the children to look at; None: every child health knows


def _recorded(store: HealthStore, event_types: tuple[str, ...], child_ids: list[str] | None) -> list[str]:
    query = select(Record.child_id).distinct().where(Record.event_type.in_(event_types),
                                                      Record.voided.is_(False))
    if child_ids is not None:
        query = query.where(Record.child_id.in_(child_ids))
    return sorted(store.session.scalars(query))


def _facts(store: HealthStore, child_id: str) -> list:
    """A child's facts, read once per look (both growth rules look at the same measurements)."""
    memo = store.__dict__.setdefault("_facts_this_look", {})
    if child_id not in memo:
        memo[child_id] = store.facts_for(child_id)
    return memo[child_id]


def _latest_measurement_classed(condition: str):
    def check(store: HealthStore, rule: AutomaticRule, child_ids: Children, on: date) -> dict[str, str]:
        found = {}
        children = child_ids if child_ids is not None else _recorded(store, ("growth_measured",), None)
        for child_id, child in store.known_children(children).items():
            facts = _facts(store, child_id)
            measured = fold_health(facts, child.date_of_birth, child.sex).measurements
            latest = measured[-1] if measured else None
            if latest and latest.assessment and condition in latest.assessment.conditions:
                found[child_id] = _payload(facts, latest.record_id)["commune_code"]
        return found

    return check


def _payload(facts: list, record_id: str) -> dict[str, Any]:
    return next(f.payload for f in facts if f.record_id == record_id)


def _latest_screening_positive(kind: str):
    def check(store: HealthStore, rule: AutomaticRule, child_ids: Children, on: date) -> dict[str, str]:
        found = {}
        for child_id in _recorded(store, ("screening_recorded",), child_ids):
            screenings = [s for s in fold_health(_facts(store, child_id), None, None).screenings
                          if s["kind"] == kind and s["screened_on"] <= on]
            latest = max(screenings, key=lambda s: (s["screened_on"], s["record_id"]), default=None)
            if latest is not None and latest["result"] in POSITIVE:
                found[child_id] = latest["commune_code"]
        return found

    return check


def vaccination_overdue(store: HealthStore, rule: AutomaticRule, child_ids: list[str] | None,
                        on: date) -> dict[str, str]:
    """A living child with a dose overdue by more than ``overdue_days`` on ``on`` (its doses given
    under its linked provisional ids count; a provisional child linked to another is not looked at)."""
    model = store.child_model
    query = select(model).where(model.date_of_birth <= on)
    if child_ids is not None:
        query = query.where(model.child_id.in_(child_ids))
    living = [c for c in store.session.scalars(query) if c.date_of_death is None or c.date_of_death > on]
    linked = store.linked_among(c.child_id for c in living if is_provisional(c.child_id))
    children = [c for c in living if c.child_id not in linked]
    members = store.members_by_child([c.child_id for c in children])
    facts = store.vaccination_facts(sorted({m for ids in members.values() for m in ids}))
    found = {}
    for child in children:
        given = [fact for member in members[child.child_id] for fact in facts[member]]
        verdicts = epi.judge(child.date_of_birth, doses(given))
        late = [d for d in epi.next_doses(child.date_of_birth, verdicts, on, child.current_province)
                if d.status == "overdue" and d.days_overdue > rule.params["overdue_days"]]
        place = child.current_commune if admin_units().map_on(on) == CURRENT else child.legacy_commune
        if late and place:
            found[child.child_id] = place
    return found


def not_in_registry(store: HealthStore, rule: AutomaticRule, child_ids: list[str] | None,
                    on: date) -> dict[str, str]:
    """Children health has records of whom the registry has not registered (``unregistered``)."""
    return unregistered(store, rule, child_ids, on)


CONDITIONS = {
    "severe_wasting": _latest_measurement_classed("severe_wasting"),
    "severe_stunting": _latest_measurement_classed("severe_stunting"),
    "suspected_development": _latest_screening_positive("development"),
    "suspected_disability": _latest_screening_positive("disability"),
    "vaccination_overdue": vaccination_overdue,
    "not_in_registry": not_in_registry,
}
