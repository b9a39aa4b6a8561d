"""What every sector service is besides its own rules: the write RPCs' shape, voids, the event log.

A sector service inherits ``sector.SectorEndpoints`` (imported by module, like ``operations``, so
``nameko run`` does not take the base for a service), sets ``name`` and ``db``, returns its store
from ``repository()`` and declares each write RPC as ``write_rpc(InputSchema, command)``. It then
has, without writing them: ``void_record`` (with the ``on_void`` hook for the sector's own side
tables), ``events_since`` (its outbox as an ordered event log), the 1-second outbox relay,
``/metrics``, ``/healthz`` and RPC metrics. Once the class is complete (after the ``take_*`` calls
that add write RPCs to it), ``add_batch_writes(Service)`` gives every write RPC its batch twin
(``register_birth`` -> ``register_births(records)``, ``void_record`` -> ``void_records``:
``shared.kit.batches``). See ``tests/contract`` for the behaviour every sector gets and is tested for.

The kit's rule for anything a sector adds: no transaction stays open across broker or RPC I/O
(commit, then publish or call, then write again in a new short transaction), because a service is
one process of green threads and a database that waits for a lock waits in C. A write locks what
it names (``records.subjects``) for its transaction, so a rule checked by reading cannot be raced
past by another worker or replica; positions and copies are upserts, never a read then an insert.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from marshmallow import Schema
from nameko.dependency_providers import Config
from nameko.timer import timer

from shared.contracts.batches import BATCH_MAX_RECORDS, BATCH_MAX_RECORDS_KEY, batch_rpc_name, is_refused
from shared.contracts.fields import Count, load
from shared.exceptions import Conflict, NotFound, Unauthenticated, ValidationFailed
from shared.kit import audit, batches, records
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


BATCH_SENSITIVE = ("records",)  # every field of every record: never logged


@dataclass(frozen=True)
class BatchOf:
    """What a write RPC's batch twin runs: its input schema and its command (given the service)."""

    schema: type[Schema]
    command: Callable[[Any], records.Command]


def write_rpc(schema: type[Schema], command: records.Command,
              sensitive_arguments: tuple[str, ...] = IDENTITY_ARGUMENTS) -> Any:
    """An RPC entrypoint taking one dict that runs ``command`` through the sector write path (marked
    with ``batch_of``: ``add_batch_writes`` gives it its batch twin)."""

    def entrypoint(self, record: dict) -> dict:
        return self.write(schema, command, record)

    entrypoint.__doc__ = command.__doc__
    entrypoint.__name__ = command.__name__
    single = guarded(WRITE, expected_exceptions=EXPECTED, sensitive_arguments=sensitive_arguments)(entrypoint)
    single.batch_of = BatchOf(schema, lambda _service: command)
    return single


def batch_rpc(single_name: str, batch_of: BatchOf) -> Any:
    """The batch twin of the write RPC ``single_name``: a list of its records, an answer for each."""

    def entrypoint(self, records: list) -> list[dict]:
        return self.write_many(batch_of.schema, batch_of.command(self), records)

    entrypoint.__name__ = batch_rpc_name(single_name)
    entrypoint.__doc__ = (f"``{single_name}`` for a list of records: an answer per record, in order, a "
                          "refused one carrying its typed error (``shared.contracts.batches``).")
    return guarded(WRITE, expected_exceptions=EXPECTED, sensitive_arguments=BATCH_SENSITIVE)(entrypoint)


def write_rpcs(service: type) -> dict[str, BatchOf]:
    """Every write RPC of ``service``, by name (those ``write_rpc`` made, and ``void_record``)."""
    return {name: method.batch_of for name, method in inspect.getmembers(service, inspect.isfunction)
            if isinstance(getattr(method, "batch_of", None), BatchOf)}


def add_batch_writes(service: type) -> None:
    """Give every write RPC of ``service`` its batch twin; call it once the class is complete."""
    for name, batch_of in write_rpcs(service).items():
        setattr(service, batch_rpc_name(name), batch_rpc(name, batch_of))


class SectorEndpoints(operations.OperationsEndpoints):
    relay = OutboxRelay()
    metrics = RpcMetrics()
    caller = Caller()
    config = Config()
    audited_reads: dict[str, str] = {}  # read RPC -> its argument naming the child; refusals audited

    def repository(self) -> records.SectorStore:
        raise NotImplementedError("a sector returns its SectorStore bound to self.db")

    def on_void(self, store: records.SectorStore, target: Any) -> None:
        """Undo what a voided record did to the sector's own tables (nothing by default)."""

    @guarded(WRITE, expected_exceptions=EXPECTED)
    def void_record(self, record_id: str, reason: str) -> dict:
        return self.write(records.VoidRecordSchema, self.void_command(),
                          {"record_id": record_id, "reason": reason})

    void_record.batch_of = BatchOf(records.VoidRecordSchema, lambda service: service.void_command())

    def void_command(self) -> records.Command:
        return partial(records.void_record, on_void=self.on_void)

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
        response = records.write(self.repository(), self.relay, schema, command, data, self.write_context())
        self.after_write(response)
        return response

    def write_many(self, schema: type[Schema], command: records.Command, data: Any) -> list[dict]:
        """A batch through the sector write path; then ``after_writes`` for the records it did not refuse."""
        limit = int(self.config.get(BATCH_MAX_RECORDS_KEY, BATCH_MAX_RECORDS))
        answers = batches.write_many(self.repository(), self.relay, schema, command, data,
                                     self.write_context(), limit)
        self.after_writes([answer for answer in answers if not is_refused(answer)])
        return answers

    def write_context(self) -> records.Context:
        """Who writes (the verified token's system and user), and the check of where they may."""
        who = self.caller.identity
        return records.Context(today=today(), units=admin_units(),
                               provenance={"system": who.system, "user_id": who.user_id},
                               place_check=partial(require_written_area, who))

    def write_by_rule(self, rule_id: str, schema: type[Schema], command: records.Command, data: Any) -> dict:
        """A write the service makes itself (an automatic referral): its provenance names the rule."""
        context = records.Context(today=today(), units=admin_units(),
                                  provenance={"system": self.name, "user_id": f"rule:{rule_id}"})
        return records.write(self.repository(), self.relay, schema, command, data, context)

    def after_write(self, response: dict) -> None:
        """What the service does once a write is committed (by default nothing; with automatic
        referrals, it looks at the child: ``shared.kit.referral_endpoints``)."""

    def after_writes(self, responses: list[dict]) -> None:
        """``after_write`` for the records a batch did not refuse, once it is committed (a service
        that can look at them all at once overrides it)."""
        for response in responses:
            self.after_write(response)
