"""How fresh each source's figures are, said in every report so an officer need not call catch-up.

For each source: ``applied_up_to``, when its producer recorded the latest event applied here (the
broker delivers events as they happen); ``log_checked_at``, when catch-up last read the producer's
event log to its end (every event the log held then is applied here: nothing older can be missing)
with ``missing_at_check``, how many it found missing then; ``seconds_since_check``; and
``unreachable``, why the last catch-up could not read the log (the producer down or refusing), None
when it could. Programme figures are entered, not events: ``applied_up_to`` is the latest entry's
time. Times are ISO 8601 in UTC; a source never heard from has None throughout. ``figures`` names,
for every figure of the report, the sources it is made of (its catalogue section's ``reads``), so
each figure's freshness is that of its sources.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from services.reporting.catalogue import Catalogue, Indicator
from services.reporting.repository import ReportingRepository
from services.reporting.sources.programme.tables import ProgrammeEntry
from shared.contracts import SOURCES

PROGRAMME = "programme"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _aware(moment: datetime | None, like: datetime) -> datetime | None:
    """SQLite gives back naive times: they were stored in UTC."""
    return moment.replace(tzinfo=like.tzinfo) if moment and moment.tzinfo is None else moment


def freshness(repo: ReportingRepository, now: datetime, declared: Catalogue,
              listed: list[Indicator]) -> dict[str, Any]:
    return {"sources": sources(repo, now),
            "figures": {indicator.id: list(declared.reads(indicator)) for indicator in listed}}


def sources(repo: ReportingRepository, now: datetime) -> dict[str, dict[str, Any]]:
    checks, found = repo.log_checks(), {}
    for source in SOURCES:
        check = checks.get(source)
        checked = _aware(check.checked_at, now) if check else None
        found[source] = {
            "applied_up_to": _iso(_aware(repo.latest_recorded(source), now)),
            "log_checked_at": _iso(checked),
            "missing_at_check": check.missing if check else None,
            "seconds_since_check": int((now - checked).total_seconds()) if checked else None,
            "unreachable": check.unreachable if check else None,
        }
    entered = repo.session.scalar(select(func.max(ProgrammeEntry.entered_at)))
    found[PROGRAMME] = {"applied_up_to": _iso(_aware(entered, now)), "log_checked_at": None,
                        "missing_at_check": None, "seconds_since_check": None, "unreachable": None}
    return found
