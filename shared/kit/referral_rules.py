"""Automatic referrals, raised by the service whose facts decide them: once per child and condition.

A sector names its conditions (``referral_conditions``: condition name -> check) and the rules in
``shared/rules/data/referral_rules.yaml`` say which it raises. ``look`` asks each rule's check for
the children it holds for, and turns each child's firing row: a condition that holds and did not
at the last look sends one referral (an ordinary sector-kit write, written by the rule); one that no
longer holds is noted, so it may fire again when it comes back. The referral's ``record_id`` is
``auto:<rule>:<child>:<n>`` (its n-th firing), written before the firing is noted: a look that dies
between the two, or two replicas looking at once, write the same record again, which the kit
answers as a replay, so nothing fires twice. A service looks at a child right after the events a
rule lists in ``after``, and at every child on its timer (``REFERRAL_RULES_INTERVAL``), for the
conditions that time alone makes true.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Boolean, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.contracts.common import CALLER_RECORD_ID_MAX as CALLER_ID_MAX
from shared.contracts.identity import is_personal_id
from shared.exceptions import Conflict, ValidationFailed
from shared.kit.referral_commands import ReferChildSchema, refer_child
from shared.plumbing.db import dialect_insert, ending_open_transaction
from shared.rules.referrals import AutomaticRule, rules_raised_by

_log = logging.getLogger(__name__)
REFERRAL_RULES_INTERVAL_KEY = "REFERRAL_RULES_INTERVAL"

# (store, rule, children to look at or None for all, day) -> {child_id: commune_code} where it holds
Condition = Callable[[Any, AutomaticRule, list[str] | None, date], dict[str, str]]


class RuleFiringMixin:
    """Whether a rule's condition held for a child at the last look, and how often it fired."""

    __tablename__ = "referral_rule_firings"

    rule_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    holds: Mapped[bool] = mapped_column(Boolean)
    firings: Mapped[int] = mapped_column(Integer)


def look(service: Any, child_ids: list[str] | None, on: date, trigger: str | None = None) -> dict[str, int]:
    """Turn every rule the service raises (only those listing ``trigger``, when given) for these
    children (None: every child the sector knows); how many fired and how many ended."""
    counts = {"fired": 0, "ended": 0}
    store = service.repository()  # one store for the look: a check may keep what it read on it
    for rule in rules_raised_by(service.name):
        if trigger is not None and trigger not in rule.after:
            continue
        with ending_open_transaction(store.session):
            holding = service.referral_conditions[rule.condition](store, rule, child_ids, on)
            watched = set(child_ids) if child_ids is not None else set(holding) | _held(store, rule)
        for child_id in sorted(watched):
            outcome = _turn(service, store, rule, child_id, holding.get(child_id), on)
            if outcome:
                counts[outcome] += 1
    return counts


def _held(store: Any, rule: AutomaticRule) -> set[str]:
    model = store.firing_model
    return set(store.session.scalars(select(model.child_id).where(model.rule_id == rule.rule_id,
                                                                  model.holds.is_(True))))


def _turn(service: Any, store: Any, rule: AutomaticRule, child_id: str, commune: str | None,
          on: date) -> str | None:
    with ending_open_transaction(store.session):
        row = store.session.get(store.firing_model, (rule.rule_id, child_id))
        held, firings = (row.holds, row.firings) if row is not None else (False, 0)
    if commune is None:
        if held:
            _note(store, rule, child_id, False, firings)
        return "ended" if held else None
    if held:
        return None
    firing = firing_id(rule.rule_id, child_id, firings + 1, readable=not rule.private)
    record = {"record_id": firing, "referral_id": firing, "child_id": child_id,
              "to_sector": rule.to_sector, "reason": rule.reason, "referred_on": on.isoformat(),
              "commune_code": commune, "urgency": rule.urgency}
    try:
        named = None if rule.private else rule.rule_id
        service.write_by_rule(rule.rule_id, ReferChildSchema, partial(refer_child, rule=named), record)
    except Conflict:  # written on another day by a look that stopped before noting it: it fired
        pass
    except ValidationFailed as error:  # e.g. a commune no longer on the map: look again next time
        _log.warning("rule %s not fired for a child: %s", rule.rule_id, error)
        return None
    _note(store, rule, child_id, True, firings + 1)
    return "fired"


def firing_id(rule_id: str, child_id: str, n: int, readable: bool = True) -> str:
    """``auto:<rule>:<child>:<n>``, or, for a private rule or where that is longer than a caller's id
    may be, the rule and child as a digest (the same for every replica and every look)."""
    named = f"auto:{rule_id}:{child_id}:{n}"
    if readable and len(named) <= CALLER_ID_MAX:
        return named
    return f"auto:{hashlib.sha256(f'{rule_id}:{child_id}'.encode()).hexdigest()[:32]}:{n}"


def _note(store: Any, rule: AutomaticRule, child_id: str, holds: bool, firings: int) -> None:
    """Note the look's verdict, unless another look has noted a later firing meanwhile (a stale
    "ended" must not reset a newer "holds")."""
    model = store.firing_model
    statement = dialect_insert(store.session)(model).values(
        rule_id=rule.rule_id, child_id=child_id, holds=holds, firings=firings)
    statement = statement.on_conflict_do_update(index_elements=["rule_id", "child_id"],
                                                set_={"holds": holds, "firings": firings},
                                                where=model.__table__.c.firings <= firings)
    with ending_open_transaction(store.session):
        store.session.execute(statement)
        store.session.commit()


def unregistered(store: Any, rule: AutomaticRule, child_ids: list[str] | None, on: date) -> dict[str, str]:
    """The children a sector has live records of (its referrals aside), the first more than the
    rule's ``grace_days`` old, whom its copy of the registry does not know (a provisional child is
    known only once linked to a registered one); each placed where its latest record is. Health and
    education both raise this rule, each for what it knows."""
    records = store.record_model
    mine = (records.voided.is_(False), records.area_code.is_not(None),
            records.event_type.not_like("referral_%"))
    query = select(records.child_id, func.min(records.created_at)).where(*mine).group_by(records.child_id)
    if child_ids is not None:
        query = query.where(records.child_id.in_(child_ids))
    first_seen = dict(store.session.execute(query).all())
    now_is = store.now_are(first_seen)  # a provisional child is registered once linked to one
    known = store.known_children(sorted(set(now_is.values())))
    cutoff = on - timedelta(days=rule.params["grace_days"])
    found = {}
    for child_id, first in first_seen.items():
        registered = is_personal_id(now_is[child_id]) and now_is[child_id] in known
        if not registered and first.date() <= cutoff:
            found[child_id] = store.session.scalars(select(records.area_code).where(
                records.child_id == child_id, *mine).order_by(records.created_at.desc()).limit(1)).first()
    return found
