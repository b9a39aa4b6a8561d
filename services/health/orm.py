"""Health tables: every accepted command as a record (the sector kit's), the outbox, and health's own
minimal copy of the registry (the registry's facts and, folded from them, one row per child)."""

from sqlalchemy import JSON, Date, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.outbox import OutboxMixin
from shared.records import RecordMixin


class HealthBase(DeclarativeBase):
    pass


class Record(HealthBase, RecordMixin):
    pass


class OutboxMessage(HealthBase, OutboxMixin):
    pass


class RegistryFact(HealthBase):
    """A registry event as received (the primary key makes a redelivery a no-op)."""

    __tablename__ = "registry_facts"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)


class KnownChild(HealthBase):
    """What health needs of a registered child: birth date, sex, where it lives now, alive or not."""

    __tablename__ = "known_children"

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    date_of_birth = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    legacy_commune: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    current_commune: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    current_province: Mapped[str | None] = mapped_column(String(2), nullable=True)
    date_of_death = mapped_column(Date, nullable=True)
