"""Reads of protection data, purpose-bound and audited.

A protection officer reads a case in full (its level, risk, plan, services, close and its decrypted
notes) when their token's areas hold the case's commune (as it was when the case opened); anyone
else is refused (``Forbidden``). Every read and every refusal is written to the audit log first, with
the verified caller, their purpose, and which child. An auditor (and only an auditor) reads the
audit log.
"""

from dataclasses import asdict
from typing import Any

from services.protection.repository import ProtectionStore
from shared.contracts.protection import fold_protection
from shared.exceptions import Forbidden, NotFound
from shared.kit import audit
from shared.kit.access import may_read_case
from shared.kit.identity import Identity

CASE_READ, CHILD_CASES_READ = "read_case", "read_child_cases"


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def describe_case(store: ProtectionStore, case) -> dict[str, Any]:
    cases = fold_protection(store.facts_for(case.child_id)).cases
    folded = next(c for c in cases if c.case_id == case.case_id)
    return {"child_id": case.child_id, **{key: _iso(value) for key, value in asdict(folded).items()},
            "notes": store.notes_of(case.case_id)}


def read_case(store: ProtectionStore, case_id: str, caller: Identity) -> dict[str, Any]:
    case = store.case(case_id)
    if case is None:
        audit.record_read(store.session, store.audit_model, caller, CASE_READ, "not_found", case_id=case_id)
        raise NotFound(f"No case {case_id}.")
    allowed = may_read_case(caller, case.commune_code, case.opened_on)
    audit.record_read(store.session, store.audit_model, caller, CASE_READ,
                      audit.GRANTED if allowed else audit.REFUSED, case.child_id, case_id)
    if not allowed:
        raise Forbidden(f"{caller.user_id} (roles {', '.join(caller.roles)}; areas "
                        f"{', '.join(caller.areas) or 'none'}) may not read case {case_id}: protection "
                        "officers read the cases of their own areas.")
    return describe_case(store, case)


def read_child_cases(store: ProtectionStore, child_id: str, caller: Identity) -> list[dict[str, Any]]:
    """The child's cases in the caller's areas; a case elsewhere is left out, and the answer is the
    same as for a child with no case (so a refusal cannot tell that a child has one), but audited."""
    cases = store.cases_of(child_id)
    readable = [c for c in cases if may_read_case(caller, c.commune_code, c.opened_on)]
    if cases:
        audit.record_read(store.session, store.audit_model, caller, CHILD_CASES_READ,
                          audit.GRANTED if readable else audit.WITHHELD, child_id)
    return [describe_case(store, c) for c in readable]


def read_audit_log(store: ProtectionStore, caller: Identity, child_id: str | None) -> list[dict]:
    return audit.read_log(store.session, store.audit_model, caller, child_id)
