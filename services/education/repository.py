"""Education's store: the sector kit's records and outbox, the registry copy, and the enrolments."""

from sqlalchemy import case, select

from services.education.orm import (
    AuditEntry,
    Enrolment,
    IdentityLink,
    KnownChild,
    OutboxMessage,
    Record,
    Referral,
    ReferralFact,
    ReferralPosition,
    RegistryFact,
    RegistryPosition,
    RuleFiring,
)
from shared.kit.referral_store import ReferralStore
from shared.kit.registry_copy import RegistryCopyStore
from shared.rules import schooling

LEVEL_ORDER = case({level: place for place, level in enumerate(schooling.LEVELS)}, value=Enrolment.level)


class EducationStore(ReferralStore, RegistryCopyStore):
    source = "education"
    record_model = Record
    outbox_model = OutboxMessage
    audit_model = AuditEntry
    referral_fact_model = ReferralFact
    referral_model = Referral
    referral_position_model = ReferralPosition
    firing_model = RuleFiring
    fact_model = RegistryFact
    child_model = KnownChild
    position_model = RegistryPosition
    link_model = IdentityLink

    def enrolment(self, record_id: str) -> Enrolment | None:
        """A live (not voided) enrolment."""
        row = self.session.get(Enrolment, record_id)
        return row if row is not None and not row.voided else None

    def enrolments_of(self, child_id: str, school_year: int | None = None) -> list[Enrolment]:
        """The child's live enrolments, those made under its linked provisional ids too."""
        query = select(Enrolment).where(Enrolment.child_id.in_(self.member_ids(child_id)),
                                        Enrolment.voided.is_(False))
        if school_year is not None:
            query = query.where(Enrolment.school_year == school_year)
        return list(self.session.scalars(query.order_by(Enrolment.start_date, Enrolment.record_id)))

    def roster(self, school_code: str, school_year: int) -> list[Enrolment]:
        query = select(Enrolment).where(Enrolment.school_code == school_code,
                                        Enrolment.school_year == school_year, Enrolment.voided.is_(False))
        return list(self.session.scalars(query.order_by(LEVEL_ORDER, Enrolment.grade, Enrolment.child_id,
                                                        Enrolment.start_date)))

    def latest_enrolment_at(self, school_code: str) -> Enrolment | None:
        """The school's enrolment that started last, any year, voided ones too (the school exists)."""
        query = select(Enrolment).where(Enrolment.school_code == school_code)
        return self.session.scalars(query.order_by(Enrolment.start_date.desc(), Enrolment.record_id.desc())
                                    .limit(1)).first()

    def add_enrolment(self, child_id: str, cmd: dict, school_year: int) -> None:
        self.session.add(Enrolment(
            record_id=cmd["record_id"], child_id=child_id, school_code=cmd["school_code"],
            school_year=school_year, level=cmd["level"], grade=cmd["grade"], start_date=cmd["start_date"],
            commune_code=cmd["commune_code"], inclusive=cmd["inclusive"],
            age_exception=cmd["age_exception"]))

    def end(self, enrolment: Enrolment, end_record_id: str, ended_on, reason: str) -> None:
        enrolment.ended_on, enrolment.end_reason, enrolment.end_record_id = ended_on, reason, end_record_id

    def undo(self, record_id: str, event_type: str) -> None:
        """A voided enrolment disappears; a voided end reopens its enrolment."""
        if event_type == "enrolment_recorded":
            row = self.session.get(Enrolment, record_id)
            if row is not None:
                row.voided = True
        elif event_type == "enrolment_ended":
            for row in self.session.scalars(select(Enrolment).where(Enrolment.end_record_id == record_id)):
                self.end(row, None, None, None)
