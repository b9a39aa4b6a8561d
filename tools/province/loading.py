"""Send a generated province's calls through the real RPCs, in order, and say how it went.

``load`` takes any object with one attribute per service (a nameko ``ClusterRpcProxy``); a call
a service refuses (``ValidationFailed``, ``Conflict``...) is counted by its error's name and the
loading goes on, so a rerun (every record has a fixed id: stores nothing new) or a partial load
can be finished. ``void_record`` takes its two arguments; every other method the record.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from tools.province.calls import Call


def send(rpc: Any, call: Call) -> Any:
    method = getattr(getattr(rpc, call.service), call.method)
    if call.method == "void_record":
        return method(call.record["record_id"], call.record["reason"])
    return method(call.record)


def load(rpc: Any, calls: Iterable[Call]) -> Counter:
    """Send every call; count ``ok`` and each refusal by its exception's name."""
    outcome: Counter = Counter()
    for call in calls:
        try:
            send(rpc, call)
            outcome["ok"] += 1
        except Exception as refusal:  # noqa: BLE001 - counted and reported, the load goes on
            outcome[type(refusal).__name__] += 1
    return outcome
