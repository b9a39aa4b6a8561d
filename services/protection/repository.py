"""Protection's store: the kit's records and outbox, the registry copy, cases, episodes, encrypted
notes, audit.

The records table keeps each request to recognise a retry; for protection it keeps a digest of the
notes instead of the notes (``stored_request``). Notes are written encrypted to ``case_notes`` only.
"""

from datetime import date
from typing import Any

from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.protection import referral_rules
from services.protection.notes import digest
from services.protection.orm import (
    AuditEntry,
    Case,
    CaseNote,
    Episode,
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


class ProtectionStore(ReferralStore, RegistryCopyStore):
    source = "protection"
    record_model = Record
    outbox_model = OutboxMessage
    fact_model = RegistryFact
    child_model = KnownChild
    position_model = RegistryPosition
    link_model = IdentityLink
    audit_model = AuditEntry
    referral_fact_model = ReferralFact
    referral_model = Referral
    referral_position_model = ReferralPosition
    firing_model = RuleFiring

    def __init__(self, session: Session, cipher: MultiFernet) -> None:
        super().__init__(session)
        self.cipher = cipher

    def concerns_me(self, payload: dict) -> bool:
        """Protection also keeps health's referrals its own rule reads (``referral_rules``)."""
        return super().concerns_me(payload) or referral_rules.keeps_also(payload)

    def stored_request(self, request: dict) -> dict:
        notes = request.get("notes")
        return {**request, "notes": digest(notes)} if notes else request

    def case(self, case_id: str) -> Case | None:
        row = self.session.get(Case, case_id)
        return row if row is not None and not row.voided else None

    def any_case(self, case_id: str) -> Case | None:
        return self.session.get(Case, case_id)

    def cases_of(self, child_id: str) -> list[Case]:
        """The child's live cases, those opened under its linked provisional ids too."""
        return list(self.session.scalars(select(Case).where(Case.child_id.in_(self.member_ids(child_id)),
                                                            Case.voided.is_(False))
                                         .order_by(Case.opened_on, Case.case_id)))

    def add_case(self, row: dict[str, Any]) -> None:
        self.session.add(Case(**row))

    def add_note(self, record_id: str, case_id: str, written_on: date, text: str | None) -> None:
        if text:
            self.session.add(CaseNote(record_id=record_id, case_id=case_id, written_on=written_on,
                                      ciphertext=self.cipher.encrypt(text.encode("utf-8"))))

    def notes_of(self, case_id: str) -> list[dict[str, Any]]:
        live = select(Record.record_id).where(Record.voided.is_(False))
        rows = self.session.scalars(select(CaseNote).where(CaseNote.case_id == case_id,
                                                           CaseNote.record_id.in_(live))
                                    .order_by(CaseNote.written_on, CaseNote.record_id))
        return [{"record_id": n.record_id, "written_on": n.written_on.isoformat(),
                 "text": self.cipher.decrypt(n.ciphertext).decode("utf-8")} for n in rows]

    def episode(self, record_id: str, kind: str) -> Episode | None:
        row = self.session.get(Episode, record_id)
        return row if row is not None and not row.voided and row.kind == kind else None

    def open_episodes(self, child_id: str, kind: str) -> list[Episode]:
        """The child's open allowances or placements, under its linked provisional ids too."""
        return list(self.session.scalars(select(Episode).where(
            Episode.child_id.in_(self.member_ids(child_id)), Episode.kind == kind, Episode.voided.is_(False),
            Episode.ended_on.is_(None))))

    def add_episode(self, record_id: str, kind: str, child_id: str, commune_code: str,
                    started_on: date) -> None:
        self.session.add(Episode(record_id=record_id, kind=kind, child_id=child_id, commune_code=commune_code,
                                 started_on=started_on))

    def undo(self, record_id: str, event_type: str) -> None:
        """A voided start disappears; a voided end or close reopens what it ended."""
        for model, key in ((Case, Case.record_id), (Episode, Episode.record_id)):
            for row in self.session.scalars(select(model).where(key == record_id)):
                row.voided = True
        for row in self.session.scalars(select(Case).where(Case.close_record_id == record_id)):
            row.closed_on, row.outcome, row.close_record_id = None, None, None
        for row in self.session.scalars(select(Episode).where(Episode.end_record_id == record_id)):
            row.ended_on, row.end_record_id = None, None
