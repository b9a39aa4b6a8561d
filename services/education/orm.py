"""Education tables: every accepted command as a record (the sector kit's), the outbox, education's
copy of the registry, and one row per enrolment with its end (what the rules and rosters read)."""

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.kit.audit import AuditEntryMixin
from shared.kit.identity_links import IdentityLinkMixin
from shared.kit.records import RecordMixin
from shared.kit.referral_rules import RuleFiringMixin
from shared.kit.referral_store import ReferralFactMixin, ReferralMixin, ReferralPositionMixin
from shared.kit.registry_copy import (
    KnownChildMixin,
    RegistryFactMixin,
    RegistryPositionMixin,
)
from shared.plumbing.outbox import OutboxMixin


class EducationBase(DeclarativeBase):
    pass


class Record(EducationBase, RecordMixin):
    pass


class OutboxMessage(EducationBase, OutboxMixin):
    pass


class RegistryFact(EducationBase, RegistryFactMixin):
    pass


class KnownChild(EducationBase, KnownChildMixin):
    pass


class RegistryPosition(EducationBase, RegistryPositionMixin):
    pass


class IdentityLink(EducationBase, IdentityLinkMixin):
    """The registry's links of provisional ids to the children they are (and unlinks)."""


class Enrolment(EducationBase):
    """An enrolment (its record id) and, once ended, its end; ``voided`` when withdrawn."""

    __tablename__ = "enrolments"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    school_code: Mapped[str] = mapped_column(String(32), index=True)
    school_year: Mapped[int] = mapped_column(Integer, index=True)
    level: Mapped[str] = mapped_column(String(16))
    grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    start_date = mapped_column(Date, nullable=False)
    commune_code: Mapped[str] = mapped_column(String(5))
    inclusive: Mapped[bool] = mapped_column(Boolean)
    age_exception: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ended_on = mapped_column(Date, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    end_record_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(EducationBase, AuditEntryMixin):
    """Who was refused a read of a child's data here, when and why (``shared.kit.audit``)."""


class ReferralFact(EducationBase, ReferralFactMixin):
    pass


class Referral(EducationBase, ReferralMixin):
    pass


class ReferralPosition(EducationBase, ReferralPositionMixin):
    pass


class RuleFiring(EducationBase, RuleFiringMixin):
    """Whether an automatic referral's condition held for a child at the last look."""
