"""Reporting tables: events processed, facts received, one view row per child, the residence and card
periods that let an indicator be computed for any past date, and each source's rows (referrals: of
every source at once)."""

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.kit.audit import AuditEntryMixin
from shared.plumbing.event_logs import LogPositionMixin
from shared.rules.clock import utc_now


class ReportingBase(DeclarativeBase):
    pass


class ProcessedEvent(ReportingBase):
    """Tracking record: written in the same transaction as the projection it caused."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))
    processed_at = mapped_column(DateTime(timezone=True), default=utc_now)
    recorded_at = mapped_column(DateTime(timezone=True), nullable=True)  # when its producer recorded it

    # freshness: the latest event applied from each source, read from the index
    __table_args__ = (Index("ix_processed_events_source_recorded", "source", "recorded_at"),)


class Fact(ReportingBase):
    """One sector record as its event described it, named by its source AND its record id."""

    __tablename__ = "facts"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)


class ChildView(ReportingBase):
    """What is known of a child now (latest residence, latest card): the child view's row."""

    __tablename__ = "child_views"

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    registered: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    full_name = mapped_column(String(200), nullable=True)
    sex = mapped_column(String(8), nullable=True)
    ethnicity = mapped_column(String(64), nullable=True)  # free text as registered (breakdowns group it)
    household_poverty = mapped_column(String(16), nullable=True)  # poor / near_poor / none
    date_of_birth = mapped_column(Date, nullable=True, index=True)
    registration_date = mapped_column(Date, nullable=True)
    on_time = mapped_column(Boolean, nullable=True)
    days_to_registration = mapped_column(Integer, nullable=True)
    commune_code = mapped_column(String(5), nullable=True)
    map_version = mapped_column(String(8), nullable=True)
    residence_since = mapped_column(Date, nullable=True)
    legacy_province = mapped_column(String(2), nullable=True)
    legacy_district = mapped_column(String(3), nullable=True)
    legacy_commune = mapped_column(String(5), nullable=True)
    current_province = mapped_column(String(2), nullable=True)
    current_commune = mapped_column(String(5), nullable=True)
    card_number = mapped_column(String(32), nullable=True)
    card_issued_on = mapped_column(Date, nullable=True)
    card_valid_to = mapped_column(Date, nullable=True)
    date_of_death = mapped_column(Date, nullable=True)
    # Before its registration a child may be known provisionally (issue 18): ``provisional`` while
    # no birth is registered for it; ``known_on`` the first day the platform knew it (its first
    # provisional record, else its registration); the provisional ids merged into it (``merged_ids``).
    provisional = mapped_column(Boolean, nullable=True, index=True)
    known_on = mapped_column(Date, nullable=True)
    date_of_birth_estimated = mapped_column(Boolean, nullable=True)
    met_by = mapped_column(String(16), nullable=True)  # the sector whose record came first
    met_on = mapped_column(Date, nullable=True)
    mother_name = mapped_column(String(200), nullable=True)
    carer_name = mapped_column(String(200), nullable=True)
    merged_ids = mapped_column(JSON, nullable=True)
    updated_at = mapped_column(DateTime(timezone=True), default=utc_now, onupdate=utc_now)


class PeriodMixin:
    """A row of one of a child's periods; a projection rewrites all of a child's rows at once."""

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)


class ResidencePeriod(ReportingBase, PeriodMixin):
    """The child lived in this commune from ``valid_from`` to ``valid_to`` (exclusive; NULL = now),
    placed on both maps so an indicator reads it on the map in force on its date."""

    __tablename__ = "residence_periods"

    valid_from = mapped_column(Date, nullable=False)
    valid_to = mapped_column(Date, nullable=True)
    commune_code = mapped_column(String(5), nullable=False)
    map_version = mapped_column(String(8), nullable=False)
    legacy_province = mapped_column(String(2), nullable=True, index=True)
    legacy_district = mapped_column(String(3), nullable=True, index=True)
    legacy_commune = mapped_column(String(5), nullable=True, index=True)
    current_province = mapped_column(String(2), nullable=True, index=True)
    current_commune = mapped_column(String(5), nullable=True, index=True)


class CardPeriod(ReportingBase, PeriodMixin):
    """One health-insurance card of a child, valid from ``issued_on`` to ``valid_to`` inclusive."""

    __tablename__ = "card_periods"
    __table_args__ = (Index("ix_card_periods_child_days", "child_id", "issued_on", "valid_to"),)  # covering

    issued_on = mapped_column(Date, nullable=False)
    valid_to = mapped_column(Date, nullable=False)


class SourcePosition(ReportingBase, LogPositionMixin):
    """How far catch-up has read each producer's event log (``events_since``)."""

    __tablename__ = "source_positions"


class LogCheck(ReportingBase):
    """The last catch-up of each source: when it read the producer's log to its end (every event the
    log held then is applied), how many it found missing, or why it could not read it."""

    __tablename__ = "log_checks"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    checked_at = mapped_column(DateTime(timezone=True), nullable=True)
    missing: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unreachable: Mapped[str | None] = mapped_column(String(200), nullable=True)


class HealthDose(ReportingBase, PeriodMixin):
    """A dose as the schedule judges it among all the child's doses (``counts_as`` when valid;
    ``valid`` NULL while the child's birth is unknown)."""

    __tablename__ = "health_doses"
    # "has this child a valid dose N of this antigen": without it SQLite scans every child's doses of
    # the antigen once per child (the province report grew with the square of its children); covering
    # (every column the question reads), so it is answered from the index alone
    __table_args__ = (Index("ix_health_doses_child_antigen_dose", "child_id", "antigen", "counts_as", "valid",
                            "age_months", "given_on"),)

    record_id = mapped_column(String(80), nullable=False)
    antigen = mapped_column(String(32), nullable=False, index=True)
    dose = mapped_column(Integer, nullable=False)
    given_on = mapped_column(Date, nullable=False)
    valid = mapped_column(Boolean, nullable=True)
    reason = mapped_column(String(200), nullable=True)
    counts_as = mapped_column(Integer, nullable=True)
    age_months = mapped_column(Integer, nullable=True)


class HealthMeasurement(ReportingBase, PeriodMixin):
    """A measurement with its z-scores; the index columns hold only z-scores that may count in
    prevalence (computed and not flagged), ``detail`` everything for the child view."""

    __tablename__ = "health_measurements"
    # "the child's latest z-score of a reference in the period": one index search, read newest first,
    # answered from the index alone
    __table_args__ = (Index("ix_health_measurements_child_reference_day", "child_id", "reference",
                            "measured_on", "record_id", "haz", "waz", "whz", "bmiz"),)

    record_id = mapped_column(String(80), nullable=False)
    measured_on = mapped_column(Date, nullable=False, index=True)
    reference = mapped_column(String(8), nullable=True)
    haz = mapped_column(Float, nullable=True)
    waz = mapped_column(Float, nullable=True)
    whz = mapped_column(Float, nullable=True)
    bmiz = mapped_column(Float, nullable=True)
    detail = mapped_column(JSON, nullable=False)


class HealthScreening(ReportingBase, PeriodMixin):
    __tablename__ = "health_screenings"
    __table_args__ = (Index("ix_health_screenings_child_kind_day", "child_id", "kind", "screened_on",
                            "result"),)  # a report's look-ups, answered from the index alone

    record_id = mapped_column(String(80), nullable=False)
    kind = mapped_column(String(16), nullable=False)
    result = mapped_column(String(16), nullable=False)
    screened_on = mapped_column(Date, nullable=False, index=True)


class HealthCheck(ReportingBase, PeriodMixin):
    __tablename__ = "health_checks"
    __table_args__ = (Index("ix_health_checks_child_day", "child_id", "checked_on"),)  # covering

    record_id = mapped_column(String(80), nullable=False)
    checked_on = mapped_column(Date, nullable=False, index=True)


class EducationEnrolment(ReportingBase, PeriodMixin):
    """An enrolment with its end: enrolled from ``start_date`` until ``ended_on`` (exclusive; NULL =
    still), within its school year (``school_year`` = its start year)."""

    __tablename__ = "education_enrolments"
    # Indicators look up one child's enrolments of one school year; a separate school_year index
    # made PostgreSQL AND it with the child's (reading every enrolment of the year per child).
    # Covering: every column the look-ups read, so they are answered from the index alone.
    __table_args__ = (Index("ix_education_enrolments_child_year_cover", "child_id", "school_year", "level",
                            "start_date", "ended_on", "end_reason", "grade", "inclusive"),)

    record_id = mapped_column(String(80), nullable=False)
    school_code = mapped_column(String(32), nullable=False)
    school_year = mapped_column(Integer, nullable=False)
    level = mapped_column(String(16), nullable=False)
    grade = mapped_column(Integer, nullable=True)
    start_date = mapped_column(Date, nullable=False)
    ended_on = mapped_column(Date, nullable=True)
    end_reason = mapped_column(String(16), nullable=True)
    inclusive = mapped_column(Boolean, nullable=False)
    age_exception = mapped_column(String(32), nullable=True)
    commune_code = mapped_column(String(5), nullable=False)


class PlacedMixin:
    """A commune placed on both maps (as a residence is), so a count reads it on the map of its date."""

    commune_code = mapped_column(String(5), nullable=False)
    legacy_province = mapped_column(String(2), nullable=True)
    legacy_district = mapped_column(String(3), nullable=True)
    legacy_commune = mapped_column(String(5), nullable=True, index=True)
    current_province = mapped_column(String(2), nullable=True)
    current_commune = mapped_column(String(5), nullable=True, index=True)


class ProtectionCase(ReportingBase, PeriodMixin, PlacedMixin):
    """A protection case as its events describe it (no notes ever reach reporting); counted where it
    was opened. ``concerns`` and ``services`` are codes between bars (``|neglect|violence|``)."""

    __tablename__ = "protection_cases"

    case_id = mapped_column(String(64), nullable=False)
    opened_on = mapped_column(Date, nullable=False, index=True)
    level = mapped_column(String(16), nullable=False)
    risk = mapped_column(String(8), nullable=False)
    concerns = mapped_column(String(400), nullable=False)
    plan_on = mapped_column(Date, nullable=True)
    plan_days = mapped_column(Integer, nullable=True)  # days from opening to the first plan
    services = mapped_column(String(400), nullable=False)
    closed_on = mapped_column(Date, nullable=True)
    outcome = mapped_column(String(16), nullable=True)


class ProtectionEpisode(ReportingBase, PeriodMixin):
    """A special circumstance (``detail``: its groups between bars), an alternative-care placement (its
    form) or an allowance (its category), from ``started_on`` until ``ended_on`` (exclusive)."""

    __tablename__ = "protection_episodes"
    __table_args__ = (Index("ix_protection_episodes_child_kind_days", "child_id", "kind", "started_on",
                            "ended_on", "detail"),)  # covering: a report's look-ups read the index alone

    record_id = mapped_column(String(80), nullable=False)
    kind = mapped_column(String(24), nullable=False)
    detail = mapped_column(String(200), nullable=False)
    started_on = mapped_column(Date, nullable=False)
    ended_on = mapped_column(Date, nullable=True)
    amount_vnd = mapped_column(Integer, nullable=True)


class Referral(ReportingBase, PeriodMixin, PlacedMixin):
    """A referral between sectors as all its events (of both sectors) fold (``shared.contracts.referrals``),
    placed where it was made on both maps. ``reason``, ``referred_on`` and ``due_on`` are NULL while
    only an answer has arrived; ``protected``: to, from or about protection (shown and counted as
    protection data)."""

    __tablename__ = "referrals"

    referral_id = mapped_column(String(80), nullable=False)
    from_sector = mapped_column(String(16), nullable=False)
    to_sector = mapped_column(String(16), nullable=False)
    reason = mapped_column(String(32), nullable=True)
    urgency = mapped_column(String(16), nullable=True)
    rule = mapped_column(String(64), nullable=True)
    referred_on = mapped_column(Date, nullable=True, index=True)
    due_on = mapped_column(Date, nullable=True)
    state = mapped_column(String(16), nullable=False)
    accepted_on = mapped_column(Date, nullable=True)
    closed_on = mapped_column(Date, nullable=True)  # declined or completed on
    decline_reason = mapped_column(String(32), nullable=True)
    outcome = mapped_column(String(32), nullable=True)
    protected = mapped_column(Boolean, nullable=False)


class IdentityLink(ReportingBase):
    """One ``identity_linked`` or ``identity_unlinked`` fact, by the two ids it names, so the ids a
    child's facts may be spread over are found from either end (the payload stays in ``facts``)."""

    __tablename__ = "identity_links"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    provisional_id: Mapped[str] = mapped_column(String(32), index=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)


class MergedId(ReportingBase):
    """A provisional id now merged into ``child_id`` (its canonical child): the child view answers it."""

    __tablename__ = "merged_ids"

    member_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)


class AuditEntry(ReportingBase, AuditEntryMixin):
    """Who read a child view with protection data (or had it withheld), when and why."""


class PublishedReport(ReportingBase):
    """A report kept as it was published for a closed period (``services.reporting.publishing``):
    the whole report as JSON, who published it and when; version n of its area and period."""

    __tablename__ = "published_reports"
    __table_args__ = (Index("uq_published_reports_version", "area_code", "period_start", "period_end",
                            "version", unique=True),)

    report_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    area_code = mapped_column(String(5), nullable=False, index=True)
    map_version = mapped_column(String(8), nullable=False)
    period_start = mapped_column(Date, nullable=False)
    period_end = mapped_column(Date, nullable=False)
    as_of = mapped_column(Date, nullable=False)
    version = mapped_column(Integer, nullable=False)
    published_by = mapped_column(JSON, nullable=False)
    published_at = mapped_column(DateTime(timezone=True), nullable=False)
    freshness = mapped_column(JSON, nullable=True)
    report = mapped_column(JSON, nullable=False)


class CommuneVersion(ReportingBase):
    """A commune's data version on one map: bumped in the transaction of any projection write that
    adds, changes or removes a row of a child placed in it (``count_cache``)."""

    __tablename__ = "commune_versions"

    map_version = mapped_column(String(8), primary_key=True)
    commune_code = mapped_column(String(5), primary_key=True)
    version = mapped_column(Integer, nullable=False, default=1)


class KeptCount(ReportingBase):
    """One commune's counts of one count statement (``statement``: its dates and condition names),
    counted at the commune's data version ``version`` (``count_cache``)."""

    __tablename__ = "kept_counts"

    map_version = mapped_column(String(8), primary_key=True)
    commune_code = mapped_column(String(5), primary_key=True)
    statement = mapped_column(String(64), primary_key=True)
    as_of = mapped_column(Date, nullable=False, index=True)
    version = mapped_column(Integer, nullable=False)
    counts = mapped_column(JSON, nullable=False)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)
