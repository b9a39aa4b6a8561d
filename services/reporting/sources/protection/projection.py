"""The protection projection: a child's cases (no notes: events never carry them) and its special
circumstances, placements and allowances, as reporting counts them.

Rows are rebuilt from ALL the child's live protection facts (``shared.contracts.protection``), so an
end, an update or a close that arrives before what it refers to, or a void, reads the same in any
order. A case is placed where it was opened, on both maps.
"""

from typing import Any

from services.reporting.orm import ProtectionCase, ProtectionEpisode
from services.reporting.repository import PROTECTION_MODELS, ReportingRepository
from services.reporting.sources.registry.projection import placement
from shared.contracts.facts import Fact
from shared.contracts.protection import Case, Episode, fold_protection
from shared.rules.admin_units import AdminUnits


def barred(codes: Any) -> str:
    """Codes between bars, so ``LIKE '%|code|%'`` finds one exactly."""
    return "|" + "|".join(codes) + "|" if codes else ""


def case_row(child_id: str, case: Case, units: AdminUnits) -> dict[str, Any]:
    map_version = units.map_on(case.opened_on)
    return {"child_id": child_id, "case_id": case.case_id, "opened_on": case.opened_on, "level": case.level,
            "risk": case.risk, "concerns": barred(case.concerns), "plan_on": case.plan_on,
            "plan_days": (case.plan_on - case.opened_on).days if case.plan_on else None,
            "services": barred(case.services), "closed_on": case.closed_on, "outcome": case.outcome,
            **placement(case.commune_code, map_version, units), "commune_code": case.commune_code}


def episode_row(child_id: str, episode: Episode) -> dict[str, Any]:
    return {"child_id": child_id, "record_id": episode.record_id, "kind": episode.kind,
            "detail": barred(episode.detail), "started_on": episode.started_on, "ended_on": episode.ended_on,
            "amount_vnd": episode.amount_vnd}


def project(repo: ReportingRepository, child_id: str, facts: list[Fact], event_type: str,
            units: AdminUnits) -> None:
    state = fold_protection(facts)
    rows = {ProtectionCase: [case_row(child_id, c, units) for c in state.cases],
            ProtectionEpisode: [episode_row(child_id, e) for e in state.episodes]}
    repo.replace_rows(PROTECTION_MODELS, child_id, rows, first=len(facts) == 1)
