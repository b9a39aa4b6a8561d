"""The automatic referral protection raises: a child health refers for a suspected disability or
development delay who is in a special circumstance protection knows of.

Only protection knows a child's special circumstances, and they never leave it; so protection keeps
health's referrals for those two reasons (``keeps_also``) and refers the child to its own inbox,
placed where its special circumstance is recorded.
"""

from datetime import date
from typing import Any

from sqlalchemy import select

from services.protection.orm import Episode
from shared.rules.referrals import AutomaticRule

SUSPECTED = ("suspected_disability", "development_delay")
Children = list[str] | None  # the children to look at; None: every child protection knows


def keeps_also(payload: dict) -> bool:
    """Health's referrals for a suspected disability or delay: what protection's rule reads."""
    return payload.get("from_sector") == "health" and payload.get("reason") in SUSPECTED


def suspected_in_special_circumstance(store: Any, rule: AutomaticRule, child_ids: Children,
                                      on: date) -> dict[str, str]:
    referrals = store.referral_model
    query = select(referrals.child_id).where(referrals.from_sector == "health",
                                             referrals.reason.in_(SUSPECTED), referrals.referred_on <= on)
    episodes = select(Episode).where(Episode.kind == "special_circumstance", Episode.voided.is_(False),
                                     Episode.started_on <= on, Episode.child_id.in_(query))
    if child_ids is not None:
        episodes = episodes.where(Episode.child_id.in_(child_ids))
    return {e.child_id: e.commune_code for e in store.session.scalars(episodes.order_by(Episode.started_on))
            if e.ended_on is None or e.ended_on > on}


CONDITIONS = {"suspected_in_special_circumstance": suspected_in_special_circumstance}
