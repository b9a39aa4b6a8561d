"""The queries of programme figures: a commune's current values and history, an area's current
entries for a report period."""

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.reporting.sources.programme.tables import ProgrammeEntry, ProgrammeRecord
from shared.rules.programme import Period


def current(session: Session, commune_code: str, period: str) -> dict[str, ProgrammeEntry]:
    """The commune's current entry of each figure for the period (none replaced them)."""
    e = ProgrammeEntry
    rows = session.scalars(select(e).where(e.commune_code == commune_code, e.period == period,
                                           e.replaced_by.is_(None)))
    return {row.figure: row for row in rows}


def history(session: Session, commune_code: str, period: str) -> list[ProgrammeEntry]:
    """Every version of every figure of the commune and period, by figure then version."""
    e = ProgrammeEntry
    return list(session.scalars(select(e).where(e.commune_code == commune_code, e.period == period)
                                .order_by(e.figure, e.version)))


def record(session: Session, record_id: str) -> ProgrammeRecord | None:
    return session.get(ProgrammeRecord, record_id)


def placed_in(session: Session, column: str, code: str, start: date, end: date,
              by: str, among: list[str] | None = None, outside: bool = False
              ) -> list[tuple[str, str | None, str, Period, int]]:
    """The current entries placed in the area (``column`` = ``code``) whose period meets
    ``start``-``end``: (entered commune as ``map:code``, its code in column ``by``, figure, period,
    value) — a code names different communes on the two maps; ``among``: only those placed in these
    communes of column ``by`` (``outside``: in none of them)."""
    e = ProgrammeEntry
    query = select(e.map_version + ":" + e.commune_code, getattr(e, by), e.figure, e.period, e.period_start,
                   e.period_end, e.value).where(getattr(e, column) == code, e.replaced_by.is_(None),
                                  e.period_start <= end, e.period_end >= start)
    if among is not None:
        placed = getattr(e, by)
        query = query.where(or_(placed.not_in(among), placed.is_(None)) if outside else placed.in_(among))
    return [(commune, placed, figure, Period(period, first, last), value)
            for commune, placed, figure, period, first, last, value in session.execute(query)]


def entry_dict(entry: ProgrammeEntry, replaced_by: dict[int, int]) -> dict[str, Any]:
    """One version as the history shows it: value, who entered it, when, why, and what replaced it."""
    return {"figure": entry.figure, "value": entry.value, "version": entry.version,
            "current": entry.replaced_by is None,
            "replaced_by_version": replaced_by.get(entry.replaced_by) if entry.replaced_by else None,
            "entered_by": {"user_id": entry.entered_by, "system": entry.entered_system},
            "entered_at": entry.entered_at.isoformat(), "reason": entry.reason,
            "record_id": entry.record_id}
