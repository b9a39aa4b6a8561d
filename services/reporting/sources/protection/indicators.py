"""The plan's protection indicators (BRIEF section 9, indicators 18-21), always small-cell suppressed.

Children are counted where they lived on ``as_of`` (known by then: registered, or recorded
provisionally, issue 18; alive then, 0-8 years):
in special circumstances (any group, and each of the 14 groups), the share of those supported (an
allowance, an alternative-care placement or an open case with services, on ``as_of``), allowance
coverage of the children in the groups the Decree's criteria cover. Cases are counted where they
were opened, opened in the period: by level and concern, closed in the period by outcome, and the
share with a plan within the set number of days (among cases whose deadline had passed by
``as_of``). Counts are made for every commune of the area's province, added up the tree and
suppressed together, and the area asked for is cut from that table (``province_cells``): the same
cells are hidden whichever area is asked for.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_

from services.reporting import repository as q
from services.reporting.orm import ChildView, ProtectionCase, ProtectionEpisode
from shared.rules import protection
from shared.rules.epi import add_months

SC, CARE, ALLOWANCE = "special_circumstance", "alternative_care", "allowance"


def _active(kind: str, as_of: date, *extra):
    e = ProtectionEpisode
    return q.among_few(e, e.kind == kind, e.started_on <= as_of,
                       or_(e.ended_on.is_(None), e.ended_on > as_of), *extra)


def _in_groups(groups: list[str]):
    return or_(*[ProtectionEpisode.detail.like(f"%|{g}|%") for g in groups])


def _served_case(as_of: date):
    c = ProtectionCase
    return q.among_few(c, c.opened_on <= as_of, c.services != "",
                       or_(c.closed_on.is_(None), c.closed_on > as_of))


def child_conditions(as_of: date) -> dict[str, Any]:
    rules = protection.rules()
    aged = and_(q.known_by(as_of), q.alive_on(as_of), ChildView.date_of_birth <= as_of,
                q.born_after(add_months(as_of, -108)))
    in_sc = and_(aged, _active(SC, as_of))
    eligible = and_(aged, _active(SC, as_of, _in_groups(rules["allowance"]["eligible_groups"])))
    counted = {"aged_0_8": aged, "in_sc": in_sc,
               "supported": and_(in_sc, or_(_active(ALLOWANCE, as_of), _active(CARE, as_of),
                                            _served_case(as_of))),
               "eligible": eligible, "eligible_paid": and_(eligible, _active(ALLOWANCE, as_of))}
    counted.update({f"in_sc_{g}": and_(aged, _active(SC, as_of, _in_groups([g])))
                    for g in protection.codes("special_circumstances")})
    return counted


def case_conditions(as_of: date, start: date, end: date) -> dict[str, Any]:
    c, days = ProtectionCase, protection.rules()["plan_within_days"]
    opened = and_(c.opened_on >= start, c.opened_on <= end, c.opened_on <= as_of)
    closed = and_(c.closed_on >= start, c.closed_on <= end, c.closed_on <= as_of)
    due = and_(opened, c.opened_on <= as_of - timedelta(days=days))
    counted = {"cases_opened": opened, "cases_closed": closed, "plan_due": due,
               "plan_in_time": and_(due, c.plan_days.is_not(None), c.plan_days <= days)}
    counted.update({f"cases_{level}": and_(opened, c.level == level)
                    for level in protection.codes("case_levels")})
    counted.update({f"cases_concern_{code}": and_(opened, c.concerns.like(f"%|{code}|%"))
                    for code in protection.codes("concerns")})
    counted.update({f"cases_closed_{outcome}": and_(closed, c.outcome == outcome)
                    for outcome in protection.codes("case_outcomes")})
    return counted


def groups() -> list[tuple[str, list[str]]]:
    """Counts that add up to (or are parts of) another: one hidden part must not be recoverable."""
    return [("in_sc", [f"in_sc_{g}" for g in protection.codes("special_circumstances")]),
            ("cases_opened", [f"cases_{level}" for level in protection.codes("case_levels")]),
            ("cases_opened", [f"cases_concern_{code}" for code in protection.codes("concerns")]),
            ("cases_closed", [f"cases_closed_{o}" for o in protection.codes("case_outcomes")])]


def _groups(as_of: date) -> list[dict[str, Any]]:
    found = []
    for code, text in protection.rules()["special_circumstances"].items():
        vi, _, en = text.partition(" / ")
        found.append({"group": code, "group_vi": vi, "group_en": en})
    return found


def _codes(key: str, name: str):
    return lambda as_of: [{name: code} for code in protection.codes(key)]


FAMILIES = {"special_circumstance_groups": _groups, "case_levels": _codes("case_levels", "level"),
            "case_concerns": _codes("concerns", "concern"),
            "case_outcomes": _codes("case_outcomes", "outcome"),
            "plan_deadline": lambda as_of: [{"days": protection.rules()["plan_within_days"]}]}
