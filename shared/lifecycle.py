"""Make ``nameko run`` honour SIGTERM promptly.

nameko's SIGTERM handler only spawns a greenlet that stops the runner; that greenlet runs when the
eventlet hub next wakes, and an idle hub sleeps up to 60 s. A service with no AMQP traffic (or a
quiet one) then takes a minute to stop, longer than Kubernetes waits. ``PromptShutdown`` keeps a
managed thread ticking every half second so the hub wakes and the stop begins at once.
"""

import eventlet
from nameko.extensions import DependencyProvider

TICK_SECONDS = 0.5


class PromptShutdown(DependencyProvider):
    def start(self) -> None:
        self.container.spawn_managed_thread(self._tick, identifier="prompt_shutdown")

    def stop(self) -> None:
        self.ticking = False

    def _tick(self) -> None:
        self.ticking = True
        while self.ticking:
            eventlet.sleep(TICK_SECONDS)
