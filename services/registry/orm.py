"""Registry tables: every accepted command as a record (the sector kit's), the child index, the outbox;
the provisional children it matches and the review queue of pairs an officer decides."""

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.kit.audit import AuditEntryMixin
from shared.kit.identity_links import IdentityLinkMixin
from shared.kit.records import RecordMixin
from shared.kit.referral_store import ReferralFactMixin, ReferralMixin, ReferralPositionMixin
from shared.plumbing.event_logs import LogPositionMixin
from shared.plumbing.outbox import OutboxMixin
from shared.rules.clock import utc_now


class RegistryBase(DeclarativeBase):
    pass


class Record(RegistryBase, RecordMixin):
    pass


class Child(RegistryBase):
    """One row per registered child: the primary key makes a second birth a conflict."""

    __tablename__ = "children"

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    birth_record_id: Mapped[str] = mapped_column(String(80))
    date_of_birth = mapped_column(Date, index=True)
    # the 2025 ward of the birth's commune, for matching (nullable: a database made before it gains
    # the column when adopted; children registered before then are not matched to provisional ids)
    ward: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)


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


class ProvisionalChild(RegistryBase):
    """A child some sector (or the registry) met before its registration, as it was described; the
    registry's matching reads these. ``ward`` is its commune's 2025 ward, to compare both maps."""

    __tablename__ = "provisional_children"

    provisional_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(80))
    full_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sex: Mapped[str] = mapped_column(String(8))
    date_of_birth = mapped_column(Date, index=True)
    date_of_birth_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    mother_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    mother_id: Mapped[str | None] = mapped_column(String(12), nullable=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    map_version: Mapped[str] = mapped_column(String(8))
    ward: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    recorded_on = mapped_column(Date)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class IdentityLink(RegistryBase, IdentityLinkMixin):
    """Each link and unlink the registry wrote, by both ids it names (written with its record)."""


class ProvisionalFact(RegistryBase):
    """Which sources' provisional events (and voids of them) the registry holds: catch-up skips them."""

    __tablename__ = "provisional_facts"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    provisional_id: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(64))


class ProvisionalPosition(RegistryBase, LogPositionMixin):
    """How far the registry has read each sector's ``provisional_events_since``."""

    __tablename__ = "provisional_log_positions"


class MatchReview(RegistryBase):
    """A pair the matching could neither link nor leave apart: an officer decides. One row per pair
    ever put to review (``status``: open, linked, rejected, superseded), so it is asked once."""

    __tablename__ = "match_reviews"
    __table_args__ = (UniqueConstraint("provisional_id", "child_id"),)

    review_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provisional_id: Mapped[str] = mapped_column(String(32), index=True)
    child_id: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    levels: Mapped[dict] = mapped_column(JSON)
    commune_code: Mapped[str] = mapped_column(String(5))  # the provisional child's, as recorded
    ward: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_at = mapped_column(DateTime(timezone=True), default=utc_now)
    closed_at = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_record_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
