"""Reporting's tables of programme figures: each value an officer entered, and each write's answer.

``ProgrammeEntry`` is one value of one figure for one commune and period, in its version: a
correction adds the next version and points the one it replaces at it (``replaced_by``), so nothing
is ever deleted or changed but that pointer, and the current value is the version nothing replaced.
Entries are placed on both maps as child facts are (the commune on the map in force at the period's
end; a legacy commune also where its successor lies, a 2025 one only on the 2025 map, because a
ward may hold parts of several old communes). ``ProgrammeRecord`` keeps each write's request and
answer under its ``record_id``, so a retried write answers the same and another one under that id
is refused.
"""

from sqlalchemy import JSON, BigInteger, Date, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.reporting.orm import PlacedMixin, ReportingBase
from shared.rules.clock import utc_now


class ProgrammeRecord(ReportingBase):
    __tablename__ = "programme_records"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    period: Mapped[str] = mapped_column(String(7))
    request: Mapped[dict] = mapped_column(JSON)
    response: Mapped[dict] = mapped_column(JSON)
    written_by: Mapped[dict] = mapped_column(JSON)  # the token's system and user_id
    created_at = mapped_column(DateTime(timezone=True), default=utc_now)


class ProgrammeEntry(ReportingBase, PlacedMixin):
    __tablename__ = "programme_entries"
    __table_args__ = (UniqueConstraint("commune_code", "period", "figure", "version",
                                       name="uq_programme_entry_version"),
                      Index("ix_programme_entries_period", "period_start", "period_end"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(80))
    map_version: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(7))
    period_start = mapped_column(Date, nullable=False)
    period_end = mapped_column(Date, nullable=False)
    figure: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_system: Mapped[str] = mapped_column(String(64))
    entered_at = mapped_column(DateTime(timezone=True), default=utc_now, nullable=False)
    reason = mapped_column(String(500), nullable=True)
    replaced_by = mapped_column(BigInteger, nullable=True, index=True)  # the id of the next version
