"""The child view's health section: doses as the schedule judges them, the next dose due, and the
latest measurement's z-scores and classes (read from the health projection's rows)."""

from datetime import date
from typing import Any

from services.reporting.orm import ChildView, HealthCheck, HealthDose, HealthMeasurement, HealthScreening
from services.reporting.repository import ReportingRepository
from shared.rules import epi


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def health_section(repo: ReportingRepository, view: ChildView, today: date) -> dict[str, Any]:
    doses = sorted(repo.rows_of(HealthDose, view.child_id), key=lambda d: (d.given_on, d.record_id))
    measurements = sorted(repo.rows_of(HealthMeasurement, view.child_id),
                          key=lambda m: (m.measured_on, m.record_id))
    next_due = None
    if view.date_of_birth and view.date_of_death is None:
        verdicts = [epi.Verdict(d.record_id, d.antigen, d.dose, d.given_on, bool(d.valid), d.reason,
                                d.counts_as) for d in doses]
        upcoming = epi.next_doses(view.date_of_birth, verdicts, today, view.current_province)
        if upcoming:
            first = min(upcoming, key=lambda d: d.due_on)
            next_due = {"antigen": first.antigen, "dose": first.dose, "due_on": _iso(first.due_on),
                        "status": first.status}
    latest = measurements[-1] if measurements else None
    return {
        "doses": [{"record_id": d.record_id, "antigen": d.antigen, "dose": d.dose,
                   "given_on": _iso(d.given_on), "valid": d.valid, "reason": d.reason,
                   "counts_as": d.counts_as} for d in doses],
        "next_due": next_due,
        "latest_growth": latest and {"measured_on": _iso(latest.measured_on), **latest.detail},
        "screenings": [{"kind": s.kind, "result": s.result, "screened_on": _iso(s.screened_on)}
                       for s in sorted(repo.rows_of(HealthScreening, view.child_id),
                                       key=lambda s: s.screened_on)],
        "health_checks": sorted(_iso(c.checked_on) for c in repo.rows_of(HealthCheck, view.child_id)),
    }
