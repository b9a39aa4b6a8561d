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
from collections.abc import Callable
from typing import Any

import eventlet
from nameko.extensions import DependencyProvider

TICK_SECONDS = 0.5


def first_signal_only(handler: Callable[[int, Any], Any]) -> Callable[[int, Any], Any]:
    fired = False

    def handle(signum: int, frame: Any) -> None:
        nonlocal fired
        if not fired:
            fired = True
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
