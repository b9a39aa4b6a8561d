"""The health projection: a child's doses, measurements, screenings and checks as reporting counts them.

Rows are rebuilt from ALL the child's live health facts, judged against the birth date and sex of
its registry facts (``shared.contracts.health.fold_health``), or of its first provisional record
while no birth is registered for it (``registry.provisional.known_birth``): a dose recorded before
the birth reached reporting, or before an earlier dose, is judged right once both are here (the registry's
birth and its void re-run this projection, see ``projections.REPROJECT``).
"""

from typing import Any

from services.reporting.orm import HealthCheck, HealthDose, HealthMeasurement, HealthScreening
from services.reporting.repository import HEALTH_MODELS, ReportingRepository
from services.reporting.sources.registry.provisional import known_birth
from shared.contracts.facts import Fact, live_facts, payloads
from shared.contracts.health import fold_health
from shared.rules import epi
from shared.rules.admin_units import AdminUnits
from shared.rules.growth import Assessment

INDEX_COLUMNS = {"length_height_for_age": "haz", "weight_for_age": "waz",
                 "weight_for_length_height": "whz", "bmi_for_age": "bmiz"}


def dose_rows(child_id: str, facts: list[Fact], verdicts: list[epi.Verdict], birth) -> list[dict[str, Any]]:
    judged = {v.record_id: v for v in verdicts}
    rows = []
    for dose in payloads(live_facts(facts), "vaccination_recorded"):
        verdict = judged.get(dose["record_id"])
        rows.append({"child_id": child_id, "record_id": dose["record_id"], "antigen": dose["antigen"],
                     "dose": dose["dose"], "given_on": dose["given_on"],
                     "valid": verdict.valid if verdict else None,
                     "reason": verdict.reason if verdict else None,
                     "counts_as": verdict.counts_as if verdict else None,
                     "age_months": epi.age_in_months(birth, dose["given_on"]) if birth else None})
    return rows


def measurement_row(child_id: str, record_id: str, measured_on, result: Assessment | None) -> dict[str, Any]:
    detail = {} if result is None else {
        "reference": result.reference, "age_days": result.age_days, "zscores": result.zscores,
        "flagged": list(result.flagged), "conditions": list(result.conditions),
        "length_height_cm": result.length_height_cm, "notes": list(result.notes)}
    valid = {column: result.valid(index) if result else None for index, column in INDEX_COLUMNS.items()}
    return {"child_id": child_id, "record_id": record_id, "measured_on": measured_on,
            "reference": result.reference if result else None, **valid, "detail": detail}


def project(repo: ReportingRepository, child_id: str, facts: list[Fact], event_type: str,
            units: AdminUnits) -> None:
    birth = known_birth(repo.facts_for(child_id, "registry"), lambda: repo.provisional_records(child_id))
    born, sex = birth.get("date_of_birth"), birth.get("sex")
    state = fold_health(facts, born, sex)
    rows = {
        HealthDose: dose_rows(child_id, facts, state.verdicts, born),
        HealthMeasurement: [measurement_row(child_id, m.record_id, m.measured_on, m.assessment)
                            for m in state.measurements],
        HealthScreening: [{"child_id": child_id, "record_id": s["record_id"], "kind": s["kind"],
                           "result": s["result"], "screened_on": s["screened_on"]} for s in state.screenings],
        HealthCheck: [{"child_id": child_id, "record_id": c["record_id"], "checked_on": c["checked_on"]}
                      for c in state.checks],
    }
    repo.replace_rows(HEALTH_MODELS, child_id, rows, first=False)
