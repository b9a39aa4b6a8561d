"""Transactional outbox: a record and its event commit in one transaction; a relay publishes later.

A service's ORM declares ``class OutboxMessage(ServiceBase, OutboxMixin)``. Write paths call
``stage(session, OutboxMessage, envelope)`` before committing. ``OutboxRelay`` (a dependency
provider) publishes unsent rows to ``<service>.events`` with publisher confirms and ``mandatory``
set, so a message no queue would receive stays unsent instead of vanishing; only confirmed rows are
marked sent. The table is also the service's ordered event log: ``events_since`` serves rebuilds.
"""

import logging
import os
import signal
from collections.abc import Iterable
from typing import Any

from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.clock import utc_now
from shared.config_keys import AMQP_URI_KEY, FAULT_KILL_AFTER_COMMIT_KEY, OUTBOX_RELAY_BATCH_KEY
from shared.metrics import service_metrics

_log = logging.getLogger(__name__)


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


def stage(session: Session, model: type, envelope: dict[str, Any]) -> Any:
    """Add the event to the session; it commits (or not) with the record it describes."""
    row = model(event_id=envelope["event_id"], event_type=envelope["event_type"], envelope=envelope)
    session.add(row)
    return row


def events_since(session: Session, model: type, position: int, limit: int) -> list[dict]:
    """The event log after ``position``, oldest first, sent or not."""
    rows = session.scalars(
        select(model).where(model.position > position).order_by(model.position).limit(limit)
    )
    return [{"position": row.position, "envelope": row.envelope} for row in rows]


def backlog(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.sent_at.is_(None)))


def _claim(session: Session, model: type, positions: Iterable[int] | None,
           limit: int) -> list[tuple[int, dict]]:
    """Mark unsent rows sent and lock them, in ONE statement; the caller un-marks what the broker
    did not confirm before committing. Rows another relay holds are skipped (PostgreSQL)."""
    chosen = select(model.position).where(model.sent_at.is_(None)).order_by(model.position).limit(limit)
    if positions is not None:
        chosen = chosen.where(model.position.in_(list(positions)))
    if session.get_bind().dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    claimed = session.execute(update(model).where(model.position.in_(chosen.scalar_subquery()))
                              .values(sent_at=utc_now()).returning(model.position, model.envelope))
    return sorted((position, envelope) for position, envelope in claimed)


class OutboxRelay(DependencyProvider):
    """Publish staged events with confirms; inject a ``Relay`` bound to the worker's session."""

    def setup(self) -> None:
        config = self.container.config
        self.exchange = get_event_exchange(self.container.service_name, config)
        self.publisher = Publisher(config[AMQP_URI_KEY], serializer="json", declare=[self.exchange],
                                   mandatory=True, use_confirms=True)
        self.batch = int(config.get(OUTBOX_RELAY_BATCH_KEY, 500))
        self.kill_after = int(config.get(FAULT_KILL_AFTER_COMMIT_KEY) or 0)
        self.commits = 0
        self.metrics = service_metrics(self.container.service_name)

    def get_dependency(self, worker_ctx) -> "Relay":
        return Relay(self)

    def publish(self, envelope: dict[str, Any]) -> None:
        self.publisher.publish(envelope, exchange=self.exchange, routing_key=envelope["event_type"])
        self.metrics.events_published.labels(envelope["event_type"]).inc()

    def after_commit(self) -> None:
        """Fault injection for kill tests: die between the commit and the publish."""
        self.commits += 1
        if self.kill_after and self.commits >= self.kill_after:
            _log.warning("fault injection: SIGKILL after commit %s", self.commits)
            os.kill(os.getpid(), signal.SIGKILL)


class Relay:
    def __init__(self, provider: OutboxRelay) -> None:
        self.provider = provider

    def committed(self, session: Session, model: type, rows: list) -> int:
        """Publish the rows this worker just committed (the fast path)."""
        self.provider.after_commit()
        return self.relay(session, model, [row.position for row in rows])

    def relay(self, session: Session, model: type, positions: Iterable[int] | None = None) -> int:
        """Publish unsent rows (all, or those at ``positions``); return how many were confirmed."""
        claimed = _claim(session, model, positions, self.provider.batch)
        unsent = []
        for index, (position, envelope) in enumerate(claimed):
            try:
                self.provider.publish(envelope)
            except UndeliverableMessage:  # no queue bound for this type: keep it, go on
                _log.warning("no queue bound for %s; kept in the outbox", envelope["event_type"])
                unsent.append(position)
            except Exception:  # broker unreachable: the rest stay unsent for the timer
                _log.warning("outbox relay stopped after %s messages", index, exc_info=True)
                unsent += [later for later, _ in claimed[index:]]
                break
        if unsent:
            session.execute(update(model).where(model.position.in_(unsent)).values(sent_at=None))
        session.commit()
        return len(claimed) - len(unsent)

    def measure_backlog(self, session: Session, model: type) -> int:
        count = backlog(session, model)
        self.provider.metrics.outbox_backlog.set(count)
        session.commit()
        return count
