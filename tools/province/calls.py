"""One sector RPC call of a generated province: which service, which method, the record it sends,
and the day the record reaches that service (a late record arrives long after its date), which
orders the calls. ``record`` is JSON-ready (dates as ISO strings), exactly what the RPC takes; for
``void_record`` it holds the two arguments, ``record_id`` and ``reason``.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

LATE_SHARE = 0.08  # records entered a month or more after their date


@dataclass(frozen=True)
class Call:
    service: str
    method: str
    record: dict[str, Any]
    arrives: date

    def line(self) -> dict[str, Any]:
        return {"service": self.service, "method": self.method, "record": self.record}


def iso(day: date) -> str:
    return day.isoformat()


def arrival(rng: random.Random, day: date, late_share: float = LATE_SHARE) -> date:
    """When a record dated ``day`` is entered: within a week, or (``late_share``) 30-180 days later."""
    late = rng.random() < late_share
    return day + timedelta(days=rng.randint(30, 180) if late else rng.randint(0, 7))


def in_order(calls: list[Call]) -> list[Call]:
    """The calls as they reach the services: by arrival day, then as generated (a record a later
    one depends on, generated first, is never sent after it on the same day)."""
    return [call for _, _, call in sorted((c.arrives, i, c) for i, c in enumerate(calls))]
