"""Make ``nameko run`` stop promptly and exactly once on SIGTERM.

nameko's SIGTERM handler only spawns a greenlet that stops the runner; that greenlet runs when the
eventlet hub next wakes, and an idle hub sleeps up to 60 s. A quiet service then takes a minute to
stop, longer than Kubernetes waits. ``PromptShutdown`` keeps a managed thread ticking every half
second so the hub wakes and the stop begins at once.

A second SIGTERM (systemd or ``timeout`` signal the whole process group, and ``make run`` passes the
signal on too) made nameko start a second stop of the same runner: timers raised ``Trying to
re-send() an already-triggered event`` and the process hung. ``PromptShutdown`` therefore wraps the
SIGTERM handler ``nameko run`` installed so that only the first signal starts a stop.
"""

import signal
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import eventlet
import greenlet
from eventlet.hubs import get_hub
from nameko.extensions import DependencyProvider

TICK_SECONDS = 0.1


class StopRequested(Exception):
    """The service is stopping: a call to a peer was given up."""


class PeerCalls:
    """The green threads of this process now waiting on another service, and whether it stops."""

    def __init__(self) -> None:
        self.waiting: weakref.WeakSet = weakref.WeakSet()
        self.stopping = False

    def cancel_all(self) -> None:
        """From the signal handler: only schedule; each throw happens on the hub's next turn, and
        only into a green thread still waiting then."""
        self.stopping = True
        hub = get_hub()
        for waiter in list(self.waiting):
            hub.schedule_call_global(0, self._cancel, waiter)

    def _cancel(self, waiter: greenlet.greenlet) -> None:
        if waiter in self.waiting and not waiter.dead:
            waiter.throw(StopRequested("the service is stopping"))


peer_calls = PeerCalls()


@contextmanager
def cancelled_on_stop() -> Iterator[None]:
    """Run a call to another service that a stop gives up instead of waiting for it."""
    if peer_calls.stopping:
        raise StopRequested("the service is stopping")
    current = greenlet.getcurrent()
    peer_calls.waiting.add(current)
    try:
        yield
    finally:
        peer_calls.waiting.discard(current)


def first_signal_only(handler: Callable[[int, Any], Any]) -> Callable[[int, Any], Any]:
    fired = False

    def handle(signum: int, frame: Any) -> None:
        nonlocal fired
        if not fired:
            fired = True
            peer_calls.cancel_all()
            handler(signum, frame)

    handle.first_signal_only = True
    return handle


def stop_once_on_sigterm() -> None:
    """Wrap the process's SIGTERM handler, if it is a Python one not yet wrapped."""
    current = signal.getsignal(signal.SIGTERM)
    if callable(current) and not getattr(current, "first_signal_only", False):
        signal.signal(signal.SIGTERM, first_signal_only(current))


class PromptShutdown(DependencyProvider):
    def setup(self) -> None:
        stop_once_on_sigterm()

    def start(self) -> None:
        self.container.spawn_managed_thread(self._tick, identifier="prompt_shutdown")

    def stop(self) -> None:
        self.ticking = False

    def _tick(self) -> None:
        self.ticking = True
        while self.ticking:
            eventlet.sleep(TICK_SECONDS)
