"""Following a producer's event log: read its ``events_since`` pages past a saved position, apply what
is missing, save the position; written once for reporting and for every sector's registry copy.

``EventLogs`` is one nameko RPC proxy per source, sharing one reply listener, so a consumer reads
every source's log without an ``RpcProxy`` attribute per source; its calls carry the service's own
token (``tokens.ServiceSigner``, never the token of whoever called the service). ``fetch_page`` reads
one page with a short time limit and is cancelled when the service is asked to stop, so a producer
that hangs or is gone can hold neither a catch-up nor a shutdown. ``follow_log`` is the loop: entries
a consumer holds already (most, when the broker delivered them) are skipped with one query per page; an entry
that breaks its contract is dead-lettered and passed, so it cannot hold the consumer behind; the
position is an upsert that never moves backwards, so two catch-ups at once (a timer and an RPC, two
replicas) both finish, and applying an entry twice is a no-op.
"""

import logging
from collections.abc import Callable
from functools import cached_property
from typing import Any

import eventlet
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import ServiceProxy
from sqlalchemy import BigInteger, Integer, String, case, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.exceptions import Forbidden, Unauthenticated, ValidationFailed
from shared.plumbing.db import dialect_insert
from shared.plumbing.entrypoints import PromptReplyListener
from shared.plumbing.lifecycle import StopRequested, cancelled_on_stop
from shared.plumbing.metrics import start_catch_up_counts
from shared.plumbing.tokens import SERVICE_KEY_FILE_KEY, ServiceSigner

_log = logging.getLogger(__name__)
CATCH_UP_BATCH = 500
CATCH_UP_CALL_TIMEOUT = 10  # a page of 500 takes ~0.1 s; longer means the producer is stuck
LOG_METHOD = "events_since"  # the RPC a follower calls on each source (its broker user may call no other)

Fetch = Callable[[int], list[dict]]
Park = Callable[[Any, BaseException, str, str], None]


class EventLogs(DependencyProvider):
    rpc_reply_listener = PromptReplyListener()

    def __init__(self, sources: tuple[str, ...], method: str = LOG_METHOD, counted: bool = True) -> None:
        self.sources, self.method = sources, method  # method: the log RPC it calls on each source
        self.counted = counted  # its catch-ups count in ecd_catch_up_runs_total (by source)

    def setup(self) -> None:
        self.signer = ServiceSigner(self.container.service_name,
                                    self.container.config.get(SERVICE_KEY_FILE_KEY))
        if self.counted:
            start_catch_up_counts(self.container.service_name, self.sources)

    def calls(self) -> tuple[tuple[str, str], ...]:
        """The (service, method) RPCs this provider makes: what the service's broker user may call."""
        return tuple((source, self.method) for source in self.sources)

    def get_dependency(self, worker_ctx) -> dict[str, ServiceProxy]:
        as_service = AsService(worker_ctx, self.signer.token)  # signed only by a worker that calls
        return {source: ServiceProxy(as_service, source, self.rpc_reply_listener)
                for source in self.sources}


class AsService:
    """A worker's context with the service's own token in place of its caller's, for the proxies; the
    token is signed when a proxy first sends a call (most workers, e.g. every event handler, never do)."""

    def __init__(self, worker_ctx: Any, token: Callable[[], str | None]) -> None:
        self._worker_ctx, self._sign = worker_ctx, token

    def __getattr__(self, name: str) -> Any:
        return getattr(self._worker_ctx, name)

    @cached_property
    def _token(self) -> str | None:
        return self._sign()

    @property
    def context_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self._worker_ctx.context_data.items() if k != "authorization"}
        return {**data, "authorization": self._token} if self._token else data


UNREACHABLE = (UnknownService, eventlet.Timeout, StopRequested, Unauthenticated, Forbidden)


def unreachable(source: str, error: BaseException) -> dict:
    """A catch-up's answer for a producer it could not read now (the next tick tries again)."""
    reason = {UnknownService: f"service {source} is not running",
              StopRequested: "this service is stopping",
              Unauthenticated: f"service {source} refused this service's token ({error})",
              Forbidden: f"service {source} refused this service's token ({error})"}.get(
        type(error), f"service {source} did not answer within {CATCH_UP_CALL_TIMEOUT} s")
    _log.warning("catch-up from %s skipped: %s", source, reason)
    return {"source": source, "unreachable": reason}


def fetch_page(producer: ServiceProxy, position: int, method: str = LOG_METHOD) -> list[dict]:
    """The producer's next ``CATCH_UP_BATCH`` log entries after ``position`` (from ``method``: its
    whole log, or a part of it such as ``referral_events_since``)."""
    reply = getattr(producer, method).call_async(position, CATCH_UP_BATCH)  # never cut mid-publish
    with cancelled_on_stop(), eventlet.Timeout(CATCH_UP_CALL_TIMEOUT):
        return reply.result()


class LogPositionMixin:
    """How far a consumer has read each producer's log (a table per consumer names it)."""

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


def log_position(session: Session, model: type, source: str) -> int:
    return session.scalar(select(model.position).where(model.source == source)) or 0


def save_log_position(session: Session, model: type, source: str, position: int) -> None:
    """Insert or raise the position in one statement (a read-then-insert raced: two catch-ups at
    once both inserted)."""
    statement = dialect_insert(session)(model).values(source=source, position=position)
    table = model.__table__
    statement = statement.on_conflict_do_update(index_elements=["source"], set_={"position": case(
        (statement.excluded.position > table.c.position, statement.excluded.position),
        else_=table.c.position)})
    session.execute(statement)


def record_id_of(envelope: dict) -> str | None:
    """A sector event's ``record_id`` (what its followers key what they hold by)."""
    payload = envelope.get("payload")
    record_id = payload.get("record_id") if isinstance(payload, dict) else None
    return record_id if isinstance(record_id, str) else None


def envelope_of(entry: Any) -> dict | None:
    envelope = entry.get("envelope") if isinstance(entry, dict) else None
    return envelope if isinstance(envelope, dict) else None


ApplyMany = Callable[[list[dict | None]], int]


def follow_log(session: Session, source: str, fetch: Fetch, position_model: type,
               key: Callable[[dict], str | None], applied_among: Callable[[list[str]], set[str]],
               apply: Callable[[dict | None], bool], park: Park, apply_many: ApplyMany | None = None
               ) -> dict:
    """Apply what ``source``'s log holds past the saved position; ``key`` names an entry's envelope
    for ``applied_among`` (which of these keys the consumer holds), ``apply`` applies and commits
    one envelope (False: it was there already) or raises ``ValidationFailed``. ``apply_many``, if
    given, applies a page's missing envelopes in one transaction (how many it applied); when it
    fails, they are applied one by one with ``apply``."""
    position, read, applied = log_position(session, position_model, source), 0, 0
    session.commit()  # no transaction stays open while the page is fetched
    while batch := fetch(position):
        keys = [key(envelope) if envelope else None for envelope in map(envelope_of, batch)]
        seen = applied_among([k for k in keys if isinstance(k, str)])
        missing = [envelope_of(entry) for entry, entry_key in zip(batch, keys, strict=True)
                   if entry_key not in seen]
        applied += apply_page(session, source, missing, apply, park, apply_many)
        read, position = read + len(batch), batch[-1]["position"]
        save_log_position(session, position_model, source, position)
        session.commit()
    return {"source": source, "read": read, "applied": applied, "position": position}


def apply_page(session: Session, source: str, envelopes: list[dict | None],
               apply: Callable[[dict | None], bool], park: Park, apply_many: ApplyMany | None) -> int:
    """How many of ``envelopes`` were applied: at once if ``apply_many`` can, else one by one (an
    envelope that breaks its contract dead-lettered and passed)."""
    if apply_many is not None and envelopes:
        try:
            return apply_many(envelopes)
        except Exception as error:  # one by one finds the bad one; the others are applied
            session.rollback()
            _log.info("a page of %s events from %s failed at once (%s); one by one", len(envelopes),
                      source, type(error).__name__)  # a database error's text carries the rows' data
    applied = 0
    for envelope in envelopes:
        try:
            applied += apply(envelope)
        except ValidationFailed as error:
            session.rollback()
            event_type = envelope.get("event_type") if envelope else None
            park(envelope, error, source, str(event_type))
    return applied


def follow_or_skip(session: Session, source: str, fetch: Fetch, position_model: type,
                   key: Callable[[dict], str | None], applied_among: Callable[[list[str]], set[str]],
                   apply: Callable[[dict | None], bool], park: Park) -> dict:
    """``follow_log``; when ``source`` cannot be read now (not running, stuck, this service stopping,
    its token refused), the transaction ends and the answer says why: the next tick tries again."""
    try:
        return follow_log(session, source, fetch, position_model, key, applied_among, apply, park)
    except UNREACHABLE as error:
        session.rollback()
        return unreachable(source, error)
