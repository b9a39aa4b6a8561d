"""Events applied in batches by the handlers' own workers (issue 19): ``EventBatches``.

nameko runs one worker per message, and each reliable handler acks, retries or dead-letters its own
message when its worker ends (``shared.plumbing.consumer``). Those guarantees stay whole here: a
worker hands its body to ``join``, which puts it in the batch being gathered and returns (or raises)
only once that batch has been applied. The first worker to find no open batch leads: it waits
until ``EVENT_BATCH_SIZE`` bodies have joined or ``EVENT_BATCH_WAIT_MS`` has passed (a lone event
waits that long, no more), applies them all with its own ``apply_all`` (one transaction, falling
back to one per event when it fails), and gives each follower its own outcome. So every message is
acked only after the commit that applied it, a poison event is retried and dead-lettered alone, a
SIGTERM lets the running batches finish, and a SIGKILL leaves every unacked message to the broker.
A batch holds at most as many events as the service runs workers (``max_workers``), and a handler
queue delivers ``EVENT_PREFETCH`` unacked messages at a time (``consumer.ParkingQueueConsumer``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import eventlet
from eventlet.event import Event
from nameko.extensions import DependencyProvider

from shared.plumbing.config_keys import EVENT_BATCH_SIZE_KEY, EVENT_BATCH_WAIT_MS_KEY

ApplyAll = Callable[[list[Any]], list[Any]]  # each body's failure (an Exception) or its result


@dataclass
class Gathering:
    """A batch being gathered: each body with the event its follower waits on (None: the leader's)."""

    bodies: list[Any] = field(default_factory=list)
    waiting: list[Event | None] = field(default_factory=list)
    full: Event = field(default_factory=Event)


class EventBatches(DependencyProvider):
    """Inject ``join(body, apply_all)``: ``apply_all(bodies)`` answers each body's failure (an
    Exception, raised in that body's worker) or its result (returned to that worker)."""

    def setup(self) -> None:
        config = self.container.config
        self.size = max(1, int(config.get(EVENT_BATCH_SIZE_KEY, 1)))
        self.wait = int(config.get(EVENT_BATCH_WAIT_MS_KEY, 50)) / 1000
        self.open: Gathering | None = None

    def get_dependency(self, worker_ctx) -> Callable[[Any, ApplyAll], Any]:
        return self.join

    def join(self, body: Any, apply_all: ApplyAll) -> Any:
        """Apply ``body`` in a batch; raise what its own apply raised, else return its result."""
        if self.open is None:
            return self._lead(body, apply_all)
        gathering, joined = self.open, Event()
        gathering.bodies.append(body)
        gathering.waiting.append(joined)
        if len(gathering.bodies) >= self.size:
            self.open = None
            gathering.full.send()
        outcome = joined.wait()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _lead(self, body: Any, apply_all: ApplyAll) -> Any:
        gathering = self.open = Gathering([body], [None])
        if self.size > 1:
            with eventlet.Timeout(self.wait, False):
                gathering.full.wait()
        if self.open is gathering:
            self.open = None
        try:
            outcomes = apply_all(gathering.bodies)
        except BaseException as error:  # apply_all answers failures; this is the worker dying
            outcomes = [error if isinstance(error, Exception) else RuntimeError("batch cut short")
                        ] * len(gathering.bodies)
            raise
        finally:
            for joined, outcome in zip(gathering.waiting[1:], outcomes[1:], strict=True):
                joined.send(outcome)
        if isinstance(outcomes[0], Exception):
            raise outcomes[0]
        return outcomes[0]
