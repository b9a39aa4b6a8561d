"""Registry tables: every accepted command as a record (the sector kit's), the child index, the outbox."""

from sqlalchemy import Date, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.kit.audit import AuditEntryMixin
from shared.kit.records import RecordMixin
from shared.kit.referral_store import ReferralFactMixin, ReferralMixin, ReferralPositionMixin
from shared.plumbing.outbox import OutboxMixin


class RegistryBase(DeclarativeBase):
    pass


class Record(RegistryBase, RecordMixin):
    pass


class Child(RegistryBase):
    """One row per registered child: the primary key makes a second birth a conflict."""

    __tablename__ = "children"

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    birth_record_id: Mapped[str] = mapped_column(String(80))
    date_of_birth = mapped_column(Date)


class OutboxMessage(RegistryBase, OutboxMixin):
    pass


class AuditEntry(RegistryBase, AuditEntryMixin):
    """Who was refused a read of a child's data here, when and why (``shared.kit.audit``)."""


class ReferralFact(RegistryBase, ReferralFactMixin):
    pass


class Referral(RegistryBase, ReferralMixin):
    pass


class ReferralPosition(RegistryBase, ReferralPositionMixin):
    pass
