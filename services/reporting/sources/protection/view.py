"""The child view's protection section: shown to a protection officer whose areas hold the child's
commune (or a case's), withheld from every other verified caller, and every such read (or
withholding) audited with the caller the token names. The same decision shows or withholds the
child's referrals to, from or about protection (``referral_view``), under the same audit entry.

What reporting holds of protection is what the events carried: groups, placements, allowances, case
levels, risks, concerns, plan and outcome, never notes.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting.orm import AuditEntry, ChildView, ProtectionCase, ProtectionEpisode
from services.reporting.repository import ReportingRepository
from shared.kit import audit
from shared.kit.access import may_read_case
from shared.kit.identity import Identity

WITHHELD = {"withheld": "Protection data are shown only to protection officers of the child's communes."}


def _codes(barred: str) -> list[str]:
    return [code for code in barred.split("|") if code]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _details(cases: list[ProtectionCase], episodes: list[ProtectionEpisode], today: date) -> dict[str, Any]:
    def current(kind: str) -> list[ProtectionEpisode]:
        return [e for e in episodes if e.kind == kind and e.started_on <= today
                and (e.ended_on is None or e.ended_on > today)]

    return {
        "special_circumstances": sorted({group for e in current("special_circumstance")
                                         for group in _codes(e.detail)}),
        "alternative_care": [{"form": _codes(e.detail)[0], "since": _iso(e.started_on)}
                             for e in current("alternative_care")],
        "allowances": [{"category": _codes(e.detail)[0], "monthly_amount_vnd": e.amount_vnd,
                        "since": _iso(e.started_on)} for e in current("allowance")],
        "cases": [{"case_id": c.case_id, "opened_on": _iso(c.opened_on), "commune_code": c.commune_code,
                   "level": c.level, "risk": c.risk, "concerns": _codes(c.concerns),
                   "plan_on": _iso(c.plan_on), "services": _codes(c.services),
                   "closed_on": _iso(c.closed_on), "outcome": c.outcome}
                  for c in sorted(cases, key=lambda c: (c.opened_on, c.case_id))],
    }


@dataclass(frozen=True)
class ProtectionRead:
    """What a child view holds of protection, and whether this caller may read it."""

    allowed: bool
    cases: list[ProtectionCase]
    episodes: list[ProtectionEpisode]


def protection_read(repo: ReportingRepository, view: ChildView, who: Identity) -> ProtectionRead:
    """A protection officer of the child's commune, or of a commune where one of its cases was opened."""
    cases = repo.rows_of(ProtectionCase, view.child_id)
    episodes = repo.rows_of(ProtectionEpisode, view.child_id)
    places = [(view.commune_code, view.map_version), *((c.commune_code, c.opened_on) for c in cases)]
    allowed = any(may_read_case(who, commune, on) for commune, on in places if commune and on)
    return ProtectionRead(allowed, cases, episodes)


def audit_protection_read(repo: ReportingRepository, view: ChildView, who: Identity, read: ProtectionRead,
                          more: bool = False) -> None:
    """One audit entry for a view that holds protection data (cases, episodes, or ``more``: referrals
    to, from or about protection), granted or withheld."""
    if read.cases or read.episodes or more:
        audit.record_read(repo.session, AuditEntry, who, "read_child_view",
                          audit.GRANTED if read.allowed else audit.WITHHELD, view.child_id)


def protection_section(read: ProtectionRead, today: date) -> dict[str, Any] | None:
    """The section for a protection officer of the child's communes (None when there is nothing);
    ``WITHHELD`` for anyone else whether or not there is anything (so the answer cannot tell that a
    child has a case)."""
    if not read.allowed:
        return WITHHELD
    return _details(read.cases, read.episodes, today) if read.cases or read.episodes else None
