"""The child view's referrals section: each referral between sectors with its state, its dates and
whether it is past its deadline today (open, and today after its ``due_on``).

A referral to, from or about protection (``protected`` in ``data/referrals.yaml``) is protection
data: it is listed only for a caller who may read the child's protection section (the same decision,
``protection_view.protection_read``); anyone else gets the other referrals and, whether or not the
child has any such referral, the same note that they are withheld (so the answer cannot tell).
"""

from datetime import date
from typing import Any

from services.reporting.orm import ChildView, Referral
from services.reporting.repository import ReportingRepository
from shared.rules import referrals

WITHHELD = ("Referrals to, from or about protection are shown only to protection officers of the child's "
            "communes.")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _referral(row: Referral, today: date) -> dict[str, Any]:
    return {"referral_id": row.referral_id, "from_sector": row.from_sector, "to_sector": row.to_sector,
            "reason": row.reason, "urgency": row.urgency, "rule": row.rule, "commune_code": row.commune_code,
            "referred_on": _iso(row.referred_on), "due_on": _iso(row.due_on), "state": row.state,
            "accepted_on": _iso(row.accepted_on), "closed_on": _iso(row.closed_on),
            "decline_reason": row.decline_reason, "outcome": row.outcome,
            "overdue": row.due_on is not None and referrals.is_overdue(row.state, row.due_on, today)}


def referral_rows(repo: ReportingRepository, view: ChildView) -> list[Referral]:
    return sorted(repo.rows_of(Referral, view.child_id),
                  key=lambda r: (r.referred_on or r.accepted_on or r.closed_on or date.min, r.referral_id))


def referral_section(rows: list[Referral], may_read_protection: bool, today: date) -> dict[str, Any]:
    shown = [r for r in rows if may_read_protection or not r.protected]
    section: dict[str, Any] = {"referrals": [_referral(r, today) for r in shown]}
    if not may_read_protection:
        section["protection_referrals"] = {"withheld": WITHHELD}
    return section
