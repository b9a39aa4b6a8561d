"""The protection service's entrypoints: its write RPCs and its purpose-bound, audited reads.

Each write RPC is ``write_rpc(InputSchema, command)`` (the sector kit validates, replays a retried
``record_id``, commits record and event together and publishes); notes are encrypted into their own
table and never reach a record row, an event or a log (``sensitive_arguments``). Every read takes
the verified caller (their token: ``shared.kit.identity``) and is audited (``reads``), refusals
included, an unauthenticated one too (``refused``). Protection keeps
its own list of children from the registry's events (``follow_registry``), to check dates against
birth and death and allowance categories against age.
"""

from services.protection import commands, reads, referral_rules, schemas
from services.protection.migrations import SCHEMA
from services.protection.notes import NotesCipher
from services.protection.repository import ProtectionStore
from shared.contracts.fields import load
from shared.contracts.protection import EPISODES
from shared.exceptions import Forbidden, Unauthenticated
from shared.kit import audit, sector
from shared.kit.access import guarded
from shared.kit.provisional import take_provisional_children
from shared.kit.referral_endpoints import take_referrals
from shared.kit.registry_copy import follow_registry
from shared.kit.sector import EXPECTED, IDENTITY_ARGUMENTS, write_rpc
from shared.plumbing.db import Database

SENSITIVE = (*IDENTITY_ARGUMENTS, "record.notes")
READ_EXPECTED = (*EXPECTED, Forbidden)
AUDITED_READS = {"get_case": ("case_id", reads.CASE_READ),
                 "cases_for_child": ("child_id", reads.CHILD_CASES_READ),
                 "audit_log": ("child_id", "read_audit_log")}


def protected_write(schema, command):
    return write_rpc(schema, command, sensitive_arguments=SENSITIVE)


class ProtectionService(sector.SectorEndpoints):
    name = "protection"
    referral_conditions = referral_rules.CONDITIONS

    db = Database(SCHEMA)
    cipher = NotesCipher()

    open_case = protected_write(schemas.OpenCaseSchema, commands.open_case)
    update_case = protected_write(schemas.UpdateCaseSchema, commands.update_case)
    close_case = protected_write(schemas.CloseCaseSchema, commands.close_case)
    record_special_circumstance = protected_write(schemas.RecordSpecialCircumstanceSchema,
                                                  commands.record_special_circumstance)
    end_special_circumstance = protected_write(schemas.end_schema(EPISODES["special_circumstance"][1]),
                                               commands.end_episode("special_circumstance"))
    record_alternative_care = protected_write(schemas.RecordAlternativeCareSchema,
                                              commands.record_alternative_care)
    end_alternative_care = protected_write(schemas.end_schema(EPISODES["alternative_care"][1]),
                                           commands.end_episode("alternative_care"))
    grant_allowance = protected_write(schemas.GrantAllowanceSchema, commands.grant_allowance)
    stop_allowance = protected_write(schemas.end_schema(EPISODES["allowance"][1]),
                                     commands.end_episode("allowance"))

    @guarded("read:cases", expected_exceptions=READ_EXPECTED)
    def get_case(self, case_id: str) -> dict:
        """A case in full with its notes, for a protection officer of its commune (audited)."""
        query = load(schemas.CaseQuerySchema, {"case_id": case_id})
        return reads.read_case(self.repository(), query["case_id"], self.caller.identity)

    @guarded("read:cases", expected_exceptions=READ_EXPECTED, sensitive_arguments=("child_id",))
    def cases_for_child(self, child_id: str) -> list[dict]:
        """The child's cases in the caller's areas (audited)."""
        query = load(schemas.ChildQuerySchema, {"child_id": child_id})
        return reads.read_child_cases(self.repository(), query["child_id"], self.caller.identity)

    @guarded("read:audit_log", expected_exceptions=READ_EXPECTED)
    def audit_log(self, child_id: str | None = None) -> list[dict]:
        """Who read which child's protection data, when and why: for auditors."""
        query = load(audit.AuditQuerySchema, {"child_id": child_id})
        return reads.read_audit_log(self.repository(), self.caller.identity, query["child_id"])

    def refused(self, method: str, args: tuple, kwargs: dict, refusal: Exception, ran: bool) -> None:
        """Audit a read refused before it ran: who (if known), which case or child it named (a read
        that ran audited its own refusal)."""
        if ran or method not in AUDITED_READS:
            return
        name, action = AUDITED_READS[method]
        named = kwargs.get(name, args[0] if args else None)
        named = named if isinstance(named, str) and 0 < len(named) <= 64 else None
        who = None if isinstance(refusal, Unauthenticated) else self.caller.identity
        store = self.repository()
        case = store.case(named) if name == "case_id" and named else None
        child_id = case.child_id if case is not None else None if name == "case_id" else named
        audit.record_read(store.session, store.audit_model, who, action, audit.REFUSED,
                          child_id=child_id[:32] if child_id else None,
                          case_id=named if name == "case_id" else None)

    def repository(self) -> ProtectionStore:
        return ProtectionStore(self.db, self.cipher)

    def on_void(self, store: ProtectionStore, target) -> None:
        store.undo(target.record_id, target.event_type)


follow_registry(ProtectionService)
take_referrals(ProtectionService)
take_provisional_children(ProtectionService)
sector.add_batch_writes(ProtectionService)  # last: every write RPC above gets its batch twin
