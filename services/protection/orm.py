"""Protection tables: the sector kit's records (requests keep only a digest of notes) and outbox, the
cases and episodes the rules read, case notes encrypted at rest, and the audit log of reads.

Notes live only here, in ``case_notes``, encrypted (``notes.NotesCipher``); this database belongs to
protection alone (no other service has its credentials), and no event or record row carries them.
"""

from sqlalchemy import Boolean, Date, LargeBinary, String
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


class ProtectionBase(DeclarativeBase):
    pass


class Record(ProtectionBase, RecordMixin):
    pass


class OutboxMessage(ProtectionBase, OutboxMixin):
    pass


class AuditEntry(ProtectionBase, AuditEntryMixin):
    pass


class RegistryFact(ProtectionBase, RegistryFactMixin):
    pass


class KnownChild(ProtectionBase, KnownChildMixin):
    pass


class RegistryPosition(ProtectionBase, RegistryPositionMixin):
    pass


class IdentityLink(ProtectionBase, IdentityLinkMixin):
    """The registry's links of provisional ids to the children they are (and unlinks)."""


class Case(ProtectionBase):
    """What the rules need of a case: whose, where, opened and closed when; ``record_id`` opened it.
    Its level, risk, plan and services are read from its records (``fold_protection``)."""

    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(80), unique=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    opened_on = mapped_column(Date, nullable=False)
    closed_on = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    close_record_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseNote(ProtectionBase):
    """One note written on a case (by the record that carried it), encrypted."""

    __tablename__ = "case_notes"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    written_on = mapped_column(Date, nullable=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class Episode(ProtectionBase):
    """A special circumstance, an alternative-care placement or an allowance, with its end."""

    __tablename__ = "episodes"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    started_on = mapped_column(Date, nullable=False)
    ended_on = mapped_column(Date, nullable=True)
    end_record_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class ReferralFact(ProtectionBase, ReferralFactMixin):
    pass


class Referral(ProtectionBase, ReferralMixin):
    pass


class ReferralPosition(ProtectionBase, ReferralPositionMixin):
    pass


class RuleFiring(ProtectionBase, RuleFiringMixin):
    """Whether an automatic referral's condition held for a child at the last look."""
