"""The reporting service's only queries: tracking, facts, child views and indicator counts."""

from datetime import date
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.reporting.orm import ChildView, Fact, ProcessedEvent, SourcePosition
from shared.child_facts import Fact as ChildFact
from shared.child_facts import fact_from_json


def _insert_ignore(session: Session, model: type, values: dict[str, Any]) -> bool:
    """Insert unless the primary key exists; True when a row was inserted."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(**values).on_conflict_do_nothing()
    else:
        statement = insert(model).values(**values)
    return session.execute(statement).rowcount == 1


class ReportingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim_event(self, event_id: str, event_type: str, source: str) -> bool:
        """Record the event as processed; False if it already was (the caller then stops)."""
        return _insert_ignore(self.session, ProcessedEvent,
                              {"event_id": event_id, "event_type": event_type, "source": source})

    def lock_child(self, child_id: str) -> None:
        """Serialise work on one child (PostgreSQL; SQLite already has one writer at a time)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": child_id})

    def add_fact(self, record_id: str, child_id: str, event_type: str, payload: dict) -> None:
        _insert_ignore(self.session, Fact, {"record_id": record_id, "child_id": child_id,
                                            "event_type": event_type, "payload": payload})

    def facts_for(self, child_id: str) -> list[ChildFact]:
        rows = self.session.scalars(select(Fact).where(Fact.child_id == child_id))
        return [fact_from_json(r.record_id, r.event_type, r.payload) for r in rows]

    def save_view(self, values: dict[str, Any]) -> None:
        view = self.session.get(ChildView, values["child_id"])
        if view is None:
            self.session.add(ChildView(**values))
            return
        for key, value in values.items():
            setattr(view, key, value)

    def position(self, source: str) -> int:
        row = self.session.get(SourcePosition, source)
        return row.position if row else 0

    def save_position(self, source: str, position: int) -> None:
        row = self.session.get(SourcePosition, source)
        if row is None:
            self.session.add(SourcePosition(source=source, position=position))
        else:
            row.position = max(row.position, position)

    def get_view(self, child_id: str) -> ChildView | None:
        return self.session.get(ChildView, child_id)

    def stats(self) -> dict[str, int]:
        """Three counts from ONE statement, so they describe the same moment."""
        children = select(func.count()).select_from(ChildView).scalar_subquery()
        registered = (select(func.count()).select_from(ChildView)
                      .where(ChildView.registered.is_(True)).scalar_subquery())
        processed = select(func.count()).select_from(ProcessedEvent).scalar_subquery()
        row = self.session.execute(select(children, registered, processed)).one()
        return dict(zip(("children", "registered", "processed_events"), row, strict=True))

    def count(self, column: str, code: str, *conditions) -> int:
        query = select(func.count()).select_from(ChildView).where(
            getattr(ChildView, column) == code, ChildView.registered.is_(True), *conditions)
        return self.session.scalar(query)


def born_between(start: date, end: date):
    return and_(ChildView.date_of_birth >= start, ChildView.date_of_birth <= end)


def registered_by(as_of: date):
    return ChildView.registration_date <= as_of


def alive_on(as_of: date):
    return or_(ChildView.date_of_death.is_(None), ChildView.date_of_death > as_of)


def on_time():
    return ChildView.on_time.is_(True)


def card_valid_on(as_of: date):
    return and_(ChildView.card_issued_on <= as_of, ChildView.card_valid_to >= as_of)


def born_after(floor: date):
    """Strictly after ``floor``: a child born exactly N years before a date is N, not under N."""
    return ChildView.date_of_birth > floor
