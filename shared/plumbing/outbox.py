"""Transactional outbox: a record and its event commit in one transaction; a relay publishes later.

A service's ORM declares ``class OutboxMessage(ServiceBase, OutboxMixin)``. Write paths call
``stage(session, OutboxMessage, envelope)`` before committing. ``OutboxRelay`` (a dependency
provider) publishes unsent rows to ``<service>.events`` with ``mandatory`` set, a window of them
(``OUTBOX_CONFIRM_WINDOW``) before it waits for the broker's confirms (``shared.plumbing.confirms``,
one connection per service process), so a message no queue would receive stays unsent instead of
vanishing; only rows the broker acked and did not return are marked sent. The table is also the
service's ordered event log: ``events_since`` serves rebuilds.

The rule: no transaction stays open across broker I/O. A row goes unsent -> claimed (``claimed_until``,
a lease, in a short transaction of its own) -> published -> marked sent (another short transaction);
what the broker nacked, or did not confirm in time or before its connection went, is released for
the 1-second timer, with the windows after it. A row is staged already claimed by the worker that
commits it, which publishes it once nameko has answered the worker's caller (``worker_result``: the
answer never waits for the broker, and every event the worker committed goes out in one window and
one settling transaction), so the timer leaves it alone; if that process dies first, the lease runs
out and the timer (of this or another replica) publishes it. An event no
queue would take is held back a few seconds before the timer tries it again. An event is therefore
published at least once and normally once; consumers deduplicate on ``event_id``. Holding a SQLite
write transaction across a publish froze whole processes (issue 13): another green thread's write
then waited inside C for a lock whose holder could never run again.
"""

import logging
import os
import signal
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Integer,
    String,
    Table,
    Update,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.plumbing.config_keys import (
    AMQP_URI_KEY,
    FAULT_KILL_AFTER_COMMIT_KEY,
    OUTBOX_CLAIM_SECONDS_KEY,
    OUTBOX_CONFIRM_TIMEOUT_SECONDS_KEY,
    OUTBOX_CONFIRM_WINDOW_KEY,
    OUTBOX_RELAY_BATCH_KEY,
    OUTBOX_UNROUTED_RETRY_SECONDS_KEY,
)
from shared.plumbing.confirms import BrokerLink, Outcome
from shared.plumbing.metrics import oldest_age_seconds, service_metrics
from shared.rules.clock import utc_now

_log = logging.getLogger(__name__)
CLAIM_SECONDS = 10  # far longer than publishing a batch takes; how late a dead worker's event goes out
UNROUTED_RETRY_SECONDS = 5  # an event no queue takes waits this long, so it cannot hog every tick
CONFIRM_WINDOW = 200  # messages published before the relay waits for the broker's confirms
CONFIRM_TIMEOUT_SECONDS = 5  # well inside the lease: no other relay takes the rows while we wait


class OutboxMixin:
    __tablename__ = "outbox_messages"

    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(32), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    envelope: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(DateTime(timezone=True), default=utc_now)
    sent_at = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    claimed_until = mapped_column(DateTime(timezone=True), nullable=True)


def stage(session: Session, model: type, envelope: dict[str, Any], claimed_until: datetime | None = None
          ) -> Any:
    """Add the event to the session; it commits (or not) with the record it describes."""
    row = model(event_id=envelope["event_id"], event_type=envelope["event_type"], envelope=envelope,
                claimed_until=claimed_until)
    session.add(row)
    return row


def events_since(session: Session, model: type, position: int, limit: int, only: Any = None) -> list[dict]:
    """The event log after ``position``, oldest first, sent or not (``only``: those rows alone)."""
    query = select(model).where(model.position > position)
    if only is not None:
        query = query.where(only)
    rows = session.scalars(query.order_by(model.position).limit(limit))
    return [{"position": row.position, "envelope": row.envelope} for row in rows]


def backlog(session: Session, model: type) -> tuple[int, datetime | None]:
    """How many rows are unsent, and when the oldest of them was staged (None: none is)."""
    count, oldest = session.execute(select(func.count(), func.min(model.created_at))
                                    .where(model.sent_at.is_(None))).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest


def _claimable(model: type, now: datetime) -> Any:
    return (model.sent_at.is_(None), or_(model.claimed_until.is_(None), model.claimed_until < now))


def claim(session: Session, model: type, limit: int, lease: timedelta, now: datetime | None = None
          ) -> list[tuple[int, dict]]:
    """Claim up to ``limit`` unsent, unclaimed rows until ``now + lease`` and commit at once. A look
    first (a read) keeps an idle timer from opening a write transaction every second; the update
    checks again, so two relays never both claim a row."""
    now = now or utc_now()
    chosen = list(session.scalars(select(model.position).where(*_claimable(model, now))
                                  .order_by(model.position).limit(limit)))
    if not chosen:
        session.commit()
        return []
    claimed = session.execute(update(model).where(model.position.in_(chosen), *_claimable(model, now))
                              .values(claimed_until=now + lease)
                              .returning(model.position, model.envelope)).all()
    session.commit()
    return sorted((position, envelope) for position, envelope in claimed)


def relaxed(session: Session) -> None:
    """Commit this transaction without waiting for the disk (PostgreSQL's ``synchronous_commit``
    off, for it alone): what it records is only a note of progress, which a database crash may
    lose at most the last fraction of a second of (an event then goes out again: consumers
    deduplicate; a claim lapses), never a record or an event. The writer's next commit no longer
    queues behind this one's flush. SQLite (WAL, ``synchronous=NORMAL``) never waits for it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def settle(session: Session, model: type, sent: list[int], unrouted: list[int], unsent: list[int],
           unrouted_retry: timedelta, held: dict[int, datetime] | None = None) -> None:
    """In one short transaction: mark what the broker confirmed sent, hold back for ``unrouted_retry``
    what no queue would take (else 500 of them would fill every tick of the timer), release the rest.
    ``held``: each row's lease as this relay took it; a row whose lease ran out and that another relay
    has claimed since is left to that relay (released here, a third relay would publish it again).
    PostgreSQL commits it without waiting for its WAL flush (``relaxed``)."""
    now = utc_now()
    relaxed(session)
    marking, holding, holding_ours = _settling(model.__table__)
    if sent:
        session.execute(marking, {"positions": sent, "at": now})
    for positions, until in ((unrouted, now + unrouted_retry), (unsent, None)):
        for lease, group in _by_lease(positions, held or {}).items():
            if lease is None:
                session.execute(holding, {"positions": group, "until": until})
            else:
                session.execute(holding_ours, {"positions": group, "until": until, "lease": lease})
    session.commit()


def _by_lease(positions: list[int], held: dict[int, datetime]) -> dict[datetime | None, list[int]]:
    groups: dict[datetime | None, list[int]] = {}
    for position in positions:
        groups.setdefault(held.get(position), []).append(position)
    return groups


@cache
def _settling(table: Table) -> tuple[Update, Update, Update]:
    """``settle``'s statements on ``table`` (mark sent; hold until, or release; the same for rows
    still under a given lease), built once: a worker settles after every write, and building an ORM
    update cost more than running it."""
    chosen = table.c.position.in_(bindparam("positions", expanding=True))
    holding = update(table).where(chosen).values(claimed_until=bindparam("until"))
    return (update(table).where(chosen).values(sent_at=bindparam("at"), claimed_until=None), holding,
            holding.where(table.c.claimed_until == bindparam("lease")))


class OutboxRelay(DependencyProvider):
    """Publish staged events with confirms, a window at a time, on one broker connection per
    service process; inject a ``Relay`` bound to the worker's session."""

    def setup(self) -> None:
        config = self.container.config
        self.link = BrokerLink(config[AMQP_URI_KEY], get_event_exchange(self.container.service_name, config),
                               float(config.get(OUTBOX_CONFIRM_TIMEOUT_SECONDS_KEY, CONFIRM_TIMEOUT_SECONDS)))
        self.batch = int(config.get(OUTBOX_RELAY_BATCH_KEY, 500))
        self.window = int(config.get(OUTBOX_CONFIRM_WINDOW_KEY, CONFIRM_WINDOW))
        self.lease = timedelta(seconds=float(config.get(OUTBOX_CLAIM_SECONDS_KEY, CLAIM_SECONDS)))
        self.unrouted_retry = timedelta(seconds=float(
            config.get(OUTBOX_UNROUTED_RETRY_SECONDS_KEY, UNROUTED_RETRY_SECONDS)))
        self.kill_after = int(config.get(FAULT_KILL_AFTER_COMMIT_KEY) or 0)
        self.commits = 0
        self.metrics = service_metrics(self.container.service_name)
        self.relays: dict = {}  # worker -> its Relay, holding what it committed until it has answered

    def stop(self) -> None:
        self.link.close()

    def kill(self) -> None:
        self.link.drop()

    def get_dependency(self, worker_ctx) -> "Relay":
        relay = self.relays[worker_ctx] = Relay(self, after_answer=True)
        return relay

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        """Publish what the worker committed: nameko has sent its answer by now (an RPC's reply, an
        event's ack) and tears the worker down, closing its session, only after this."""
        relay = self.relays.pop(worker_ctx, None)
        if relay is not None:
            relay.publish_handed()

    def worker_teardown(self, worker_ctx) -> None:
        self.relays.pop(worker_ctx, None)

    def publish(self, claimed: list[tuple[int, dict[str, Any]]]) -> Outcome:
        outcome = self.link.publish(claimed, self.window)
        envelopes = dict(claimed)
        for position in outcome.sent:
            self.metrics.events_published.labels(envelopes[position]["event_type"]).inc()
        return outcome

    def after_commit(self) -> None:
        """Fault injection for kill tests: die between the commit and the publish."""
        self.commits += 1
        if self.kill_after and self.commits >= self.kill_after:
            _log.warning("fault injection: SIGKILL after commit %s", self.commits)
            os.kill(os.getpid(), signal.SIGKILL)


class Relay:
    """A worker's relay: what it commits is published once it has answered (``after_answer``, as
    ``OutboxRelay`` makes it), or at once (a relay made outside a worker)."""

    def __init__(self, provider: OutboxRelay, after_answer: bool = False) -> None:
        self.provider = provider
        self.after_answer = after_answer
        self.handed: dict[tuple[int, type], tuple[Session, dict[int, dict], dict[int, datetime]]] = {}

    def claim_until(self) -> datetime:
        """The lease a worker stages its own rows with (it publishes them after its commit)."""
        return utc_now() + self.provider.lease

    def committed(self, session: Session, model: type, rows: list) -> int:
        """The rows this worker just committed, claimed by it (the fast path): published once the
        worker has answered (``publish_handed``), or now for a relay outside a worker; returns how
        many the broker confirmed now."""
        self.provider.after_commit()
        claimed = [(row.position, row.envelope) for row in rows]  # read now: a rollback expires rows
        leases = {row.position: row.claimed_until for row in rows}
        if not self.after_answer:
            return self._publish(session, model, claimed, leases)
        _, envelopes, held = self.handed.setdefault((id(session), model), (session, {}, {}))
        envelopes.update(claimed)
        held.update(leases)
        return 0

    def publish_handed(self) -> int:
        """Publish what ``committed`` was handed, in position order, a window and a settling
        transaction per table; what fails stays claimed until its lease runs out, then the timer
        publishes it (the worker's caller has its answer: nothing may raise to it, or to nameko)."""
        handed, self.handed = self.handed, {}
        sent, now = 0, utc_now()
        for (_, model), (session, claimed, held) in handed.items():
            # a lease the worker's later work outlasted is the timer's now: publishing too sends it twice
            ours = sorted((position, envelope) for position, envelope in claimed.items()
                          if held.get(position) is None or held[position] > now)
            try:
                if session.in_transaction():  # what the worker left open is not ours to commit
                    session.rollback()
                sent += self._publish(session, model, ours, held)
            except Exception:
                _log.warning("%s committed events left to the timer", len(claimed), exc_info=True)
                with suppress(Exception):  # a connection gone: the session's close discards it
                    session.rollback()
        return sent

    def relay(self, session: Session, model: type) -> int:
        """Publish unsent rows nobody holds (the timer); return how many the broker confirmed."""
        now = utc_now()
        claimed = claim(session, model, self.provider.batch, self.provider.lease, now)
        until = now + self.provider.lease
        return self._publish(session, model, claimed, {position: until for position, _ in claimed})

    def _publish(self, session: Session, model: type, claimed: list[tuple[int, dict]],
                 held: dict[int, datetime]) -> int:
        """Publish outside any transaction, then settle the rows in a short one (``held``: the leases)."""
        if not claimed:
            return 0
        outcome = self.provider.publish(claimed)
        if outcome.unrouted:
            envelopes = dict(claimed)
            unrouted = sorted({envelopes[position]["event_type"] for position in outcome.unrouted})
            _log.warning("no queue bound for %s; kept in the outbox", ", ".join(unrouted))
        settle(session, model, outcome.sent, outcome.unrouted, outcome.unsent, self.provider.unrouted_retry,
               held)
        return len(outcome.sent)

    def measure_backlog(self, session: Session, model: type) -> int:
        """Set ``ecd_outbox_messages`` and ``ecd_outbox_oldest_unsent_age_seconds``; return the count."""
        count, oldest = backlog(session, model)
        self.provider.metrics.outbox_messages.labels().set(count)
        self.provider.metrics.outbox_oldest_age.labels().set(oldest_age_seconds(oldest, utc_now()))
        session.commit()
        return count
