"""The progress bar on stderr: rows done of the total, percent, rate and time left.

On a terminal one line is redrawn in place (at most five times a second); into a file or a pipe a
line is printed every ``LOG_EVERY`` seconds, so a log shows progress without a line per batch. The
rate counts this run's rows only, so a resumed load does not claim the rows of the run before.
"""

import sys
import time
from collections.abc import Callable
from typing import TextIO

REDRAW_EVERY = 0.2
LOG_EVERY = 10.0


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h07m``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Meter:
    def __init__(self, label: str, total: int, done: int, stream: TextIO = sys.stderr,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.total, self.done, self.stream, self.clock = label, total, done, stream, clock
        self.first, self.started = done, clock()
        self.in_place = stream.isatty()
        self.shown = float("-inf")

    def line(self) -> str:
        elapsed = self.clock() - self.started
        rate = (self.done - self.first) / elapsed if elapsed > 0 else 0.0
        percent = 100 * self.done / self.total if self.total else 100.0
        left = duration((self.total - self.done) / rate) if rate else "?"
        return (f"{self.label}: {self.done:,}/{self.total:,} rows {percent:5.1f}%  "
                f"{rate:,.0f} rows/s  ETA {left}")

    def update(self, done: int) -> None:
        self.done = done
        now = self.clock()
        if now - self.shown >= (REDRAW_EVERY if self.in_place else LOG_EVERY):
            self.shown = now
            self._show()

    def close(self) -> None:
        self._show()
        if self.in_place:
            self.stream.write("\n")
        self.stream.flush()

    def _show(self) -> None:
        text = self.line()
        self.stream.write(f"\r{text}\033[K" if self.in_place else f"{text}\n")
        self.stream.flush()
