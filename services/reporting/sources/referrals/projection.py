"""The referral projection: a child's referrals between sectors, one row each, as reporting counts them.

A referral's events come from two sources (``referral_sent`` from the sender, the answers from the
receiver), so this projection is not a source's: it runs on every referral event and on every void
of one, and rebuilds the child's rows from ALL its referral facts of every source
(``shared.contracts.referrals.fold_referrals``). An answer that arrives before its referral, a
decline or a void read the same in any order, and a redelivery changes nothing. A referral is
placed where it was made, on both maps (on the map in force the day it was sent; before its
``referral_sent`` arrives, the day of its first answer).
"""

from datetime import date
from typing import Any

from services.reporting.orm import Referral as ReferralRow
from services.reporting.repository import REFERRAL_MODELS, ReportingRepository
from services.reporting.sources.registry.projection import placement
from shared.contracts.facts import VOIDED, Fact
from shared.contracts.referrals import Referral, fold_referrals, is_referral_event
from shared.rules import referrals
from shared.rules.admin_units import AdminUnits


def placed_on(referral: Referral) -> date | None:
    """The day that says which map its commune code is on: sent, else first answered."""
    return referral.referred_on or referral.accepted_on or referral.closed_on


def referral_row(child_id: str, referral: Referral, units: AdminUnits) -> dict[str, Any]:
    day = placed_on(referral)
    map_version = units.map_on(day) if day else None
    return {"child_id": child_id, "referral_id": referral.referral_id,
            "from_sector": referral.from_sector, "to_sector": referral.to_sector, "reason": referral.reason,
            "urgency": referral.urgency, "rule": referral.rule, "referred_on": referral.referred_on,
            "due_on": referral.due_on, "state": referral.state, "accepted_on": referral.accepted_on,
            "closed_on": referral.closed_on, "decline_reason": referral.decline_reason,
            "outcome": referral.outcome,
            "protected": referrals.is_protected(referral.from_sector, referral.to_sector, referral.reason),
            **placement(referral.commune_code, map_version, units), "commune_code": referral.commune_code}


def referral_rows(child_id: str, facts: list[Fact], units: AdminUnits) -> list[dict[str, Any]]:
    return [referral_row(child_id, referral, units) for referral in fold_referrals(facts)]


def touches_referrals(repo: ReportingRepository, source: str, event_type: str, payload: dict) -> bool:
    """A referral event, or a void of one (named by the void, or found among the stored facts)."""
    if is_referral_event(event_type):
        return True
    if event_type != VOIDED:
        return False
    return is_referral_event(payload["voided_event_type"]) or is_referral_event(
        repo.event_type_of(source, payload["voided_record_id"]) or "")


def project(repo: ReportingRepository, child_id: str, units: AdminUnits) -> None:
    """Rewrite the child's referral rows from all its referral facts (and voids) of every source."""
    facts = repo.referral_facts(child_id)
    rows = referral_rows(child_id, facts, units)
    repo.replace_rows(REFERRAL_MODELS, child_id, {ReferralRow: rows}, first=len(facts) == 1)
