"""Registry tables: every accepted command as a record, the child index, and the outbox."""

from sqlalchemy import JSON, Boolean, Date, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.clock import utc_now
from shared.outbox import OutboxMixin


class RegistryBase(DeclarativeBase):
    pass


class Record(RegistryBase):
    """One accepted command; ``payload`` is the payload of the event it emitted."""

    __tablename__ = "records"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict] = mapped_column(JSON)
    payload: Mapped[dict] = mapped_column(JSON)
    response: Mapped[dict] = mapped_column(JSON)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at = mapped_column(DateTime(timezone=True), default=utc_now)


class Child(RegistryBase):
    """One row per registered child: the primary key makes a second birth a conflict."""

    __tablename__ = "children"

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    birth_record_id: Mapped[str] = mapped_column(String(80))
    date_of_birth = mapped_column(Date)


class OutboxMessage(RegistryBase, OutboxMixin):
    pass
