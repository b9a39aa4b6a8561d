"""What every sector service is besides its own rules: the write RPCs' shape, voids, the event log.

A sector service inherits ``sector.SectorEndpoints`` (imported by module, like ``operations``, so
``nameko run`` does not take the base for a service), sets ``name`` and ``db``, returns its store
from ``repository()`` and declares each write RPC as ``write_rpc(InputSchema, command)``. It then
has, without writing them: ``void_record`` (with the ``on_void`` hook for the sector's own side
tables), ``events_since`` (its outbox as an ordered event log), the 1-second outbox relay,
``/metrics``, ``/healthz`` and RPC metrics. See ``tests/contract`` for the behaviour every sector
gets and is tested for.

The kit's rule for anything a sector adds: no transaction stays open across broker or RPC I/O
(commit, then publish or call, then write again in a new short transaction), because a service is
one process of green threads and a database that waits for a lock waits in C. A write locks what
it names (``records.subjects``) for its transaction, so a rule checked by reading cannot be raced
past by another worker or replica; positions and copies are upserts, never a read then an insert.
"""

from functools import partial
from typing import Any

from marshmallow import Schema
from nameko.timer import timer

from shared.contracts.fields import Count, load
from shared.exceptions import Conflict, NotFound, Unauthenticated, ValidationFailed
from shared.kit import audit, records
from shared.kit.access import guarded, require_written_area
from shared.kit.identity import Caller
from shared.plumbing import operations
from shared.plumbing.metrics import RpcMetrics
from shared.plumbing.outbox import OutboxRelay
from shared.rules.admin_units import admin_units
from shared.rules.clock import today

EXPECTED = (ValidationFailed, NotFound, Conflict)
IDENTITY_ARGUMENTS = ("record.child_id", "record.full_name", "record.carer_name", "record.village",
                      "child_id")
EVENT_LOG_PAGE_MAX = 10_000
WRITE = "write:{sector}"


class EventsSinceSchema(Schema):
    position = Count(required=True)
    limit = Count(required=True, minimum=1, maximum=EVENT_LOG_PAGE_MAX)


def write_rpc(schema: type[Schema], command: records.Command,
              sensitive_arguments: tuple[str, ...] = IDENTITY_ARGUMENTS) -> Any:
    """An RPC entrypoint taking one dict that runs ``command`` through the sector write path."""

    def entrypoint(self, record: dict) -> dict:
        return self.write(schema, command, record)

    entrypoint.__doc__ = command.__doc__
    entrypoint.__name__ = command.__name__
    return guarded(WRITE, expected_exceptions=EXPECTED, sensitive_arguments=sensitive_arguments)(entrypoint)


class SectorEndpoints(operations.OperationsEndpoints):
    relay = OutboxRelay()
    metrics = RpcMetrics()
    caller = Caller()
    audited_reads: dict[str, str] = {}  # read RPC -> its argument naming the child; refusals audited

    def repository(self) -> records.SectorStore:
        raise NotImplementedError("a sector returns its SectorStore bound to self.db")

    def on_void(self, store: records.SectorStore, target: Any) -> None:
        """Undo what a voided record did to the sector's own tables (nothing by default)."""

    @guarded(WRITE, expected_exceptions=EXPECTED)
    def void_record(self, record_id: str, reason: str) -> dict:
        command = partial(records.void_record, on_void=self.on_void)
        return self.write(records.VoidRecordSchema, command, {"record_id": record_id, "reason": reason})

    @guarded("read:event_log", expected_exceptions=EXPECTED)
    def events_since(self, position: int = 0, limit: int = 1000) -> list[dict]:
        """The event log after ``position``, oldest first, at most ``limit`` (1-10,000) entries."""
        page = load(EventsSinceSchema, {"position": position, "limit": limit})
        return self.repository().events_since(page["position"], page["limit"])

    @guarded("read:audit_log", expected_exceptions=EXPECTED)
    def audit_log(self, child_id: str | None = None) -> list[dict]:
        """Who was refused a read of a child's data here, when and why: for auditors (audited)."""
        query = load(audit.AuditQuerySchema, {"child_id": child_id})
        store = self.repository()
        return audit.read_log(store.session, store.audit_model, self.caller.identity, query["child_id"])

    def refused(self, method: str, args: tuple, kwargs: dict, refusal: Exception, ran: bool) -> None:
        """Audit a refused read of a child (``audited_reads``): who, if the token said, and which."""
        name = self.audited_reads.get(method)
        if name is None:
            return
        child_id = kwargs.get(name, args[0] if args else None)
        who = None if isinstance(refusal, Unauthenticated) else self.caller.identity
        store = self.repository()
        audit.record_read(store.session, store.audit_model, who, method, audit.REFUSED,
                          child_id[:32] if isinstance(child_id, str) else None)

    @timer(interval=1)
    def relay_outbox(self) -> None:
        store = self.repository()
        self.relay.relay(store.session, store.outbox_model)
        self.relay.measure_backlog(store.session, store.outbox_model)

    def write(self, schema: type[Schema], command: records.Command, data: Any) -> dict:
        who = self.caller.identity
        context = records.Context(today=today(), units=admin_units(),
                                  provenance={"system": who.system, "user_id": who.user_id},
                                  place_check=partial(require_written_area, who))
        response = records.write(self.repository(), self.relay, schema, command, data, context)
        self.after_write(response)
        return response

    def write_by_rule(self, rule_id: str, schema: type[Schema], command: records.Command, data: Any) -> dict:
        """A write the service makes itself (an automatic referral): its provenance names the rule."""
        context = records.Context(today=today(), units=admin_units(),
                                  provenance={"system": self.name, "user_id": f"rule:{rule_id}"})
        return records.write(self.repository(), self.relay, schema, command, data, context)

    def after_write(self, response: dict) -> None:
        """What the service does once a write is committed (by default nothing; with automatic
        referrals, it looks at the child: ``shared.kit.referral_endpoints``)."""
