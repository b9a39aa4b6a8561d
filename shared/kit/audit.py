"""The audit log of protection reads: who read which child's protection data, when and why.

A service that serves protection data (protection's cases, reporting's child view) declares the table
on its own base (``AuditEntryMixin``) and calls ``record_read`` for every read it serves or refuses,
committed even when the read is refused. Each entry names the verified caller (the token's user,
system, roles and purpose), or ``unauthenticated`` when no valid token came. ``read_log`` is what an
auditor reads (and is audited).
"""

from datetime import datetime

from marshmallow import Schema
from sqlalchemy import BigInteger, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.contracts.fields import Identifier
from shared.exceptions import Forbidden
from shared.kit.access import is_auditor
from shared.kit.identity import Identity
from shared.rules.clock import utc_now

GRANTED, REFUSED, WITHHELD = "granted", "refused", "withheld"
UNAUTHENTICATED = "unauthenticated"


class AuditQuerySchema(Schema):
    """``audit_log(child_id=None)``: the whole log, or one child's entries."""

    child_id = Identifier(max_length=32, load_default=None, allow_none=True)


class AuditEntryMixin:
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    at = mapped_column(DateTime(timezone=True), default=utc_now, nullable=False)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    system: Mapped[str | None] = mapped_column(String(64), nullable=True)
    roles: Mapped[str | None] = mapped_column(String(400), nullable=True)
    purpose: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    child_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))


def record_read(session: Session, model: type, who: Identity | None, action: str, outcome: str,
                child_id: str | None = None, case_id: str | None = None) -> None:
    """Write one audit entry and commit it (before any refusal is raised); ``who`` is None when the
    caller could not be identified."""
    session.add(model(at=utc_now(), user_id=who.user_id if who else UNAUTHENTICATED,
                      role=who.roles[0][:32] if who else UNAUTHENTICATED,
                      system=who.system if who else None, roles=",".join(who.roles)[:400] if who else None,
                      purpose=(who.purpose if who else "")[:200], action=action[:32], child_id=child_id,
                      case_id=case_id, outcome=outcome))
    session.commit()


def entries(session: Session, model: type, child_id: str | None = None, limit: int = 1000) -> list[dict]:
    query = select(model).order_by(model.id.desc()).limit(limit)
    if child_id is not None:
        query = query.where(model.child_id == child_id)
    return [{"at": _iso(e.at), "user_id": e.user_id, "system": e.system,
             "roles": e.roles.split(",") if e.roles else [e.role], "purpose": e.purpose,
             "action": e.action, "child_id": e.child_id, "case_id": e.case_id, "outcome": e.outcome}
            for e in session.scalars(query)]


def _iso(at: datetime) -> str:
    return at.isoformat()


def read_log(session: Session, model: type, who: Identity, child_id: str | None) -> list[dict]:
    """The log for an auditor (that read audited too); anyone else: audited, then ``Forbidden``."""
    allowed = is_auditor(who)
    record_read(session, model, who, "read_audit_log", GRANTED if allowed else REFUSED, child_id)
    if not allowed:
        raise Forbidden("Only an auditor reads the audit log.")
    return entries(session, model, child_id)
