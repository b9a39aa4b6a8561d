"""Send a generated province's calls through the real RPCs, in order, and say how it went.

``load`` takes any object with one attribute per service (a nameko ``ClusterRpcProxy``); a call
a service refuses (``ValidationFailed``, ``Conflict``...) is counted by its error's name and the
loading goes on, so a rerun (every record has a fixed id: stores nothing new) or a partial load
can be finished. ``void_record`` takes its two arguments; every other method the record.
``writers_proxy`` is the cluster proxy such a load (and ``tools.load``) calls through: every call
carries a token, the caller's or a development one for the four sectors' writers in some areas.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from tools.province.calls import Call

WRITER_ROLES = ["civil_registrar", "health_worker", "teacher", "protection_officer"]


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


def writers_proxy(amqp_uri: str, areas: list[str], system: str, purpose: str, timeout: float,
                  token: str | None = None, seconds: int = 3600) -> Any:
    """A nameko ``ClusterRpcProxy`` (not started) whose calls carry ``token``, or else a development
    token (``tools.access``) of the sectors' writers in ``areas``, valid ``seconds``."""
    from nameko.standalone.rpc import ClusterRpcProxy

    from tools.access.tokens import dev_token

    token = token or dev_token(system, WRITER_ROLES, areas, system=system, purpose=purpose, seconds=seconds)
    return ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout, context_data={"authorization": token})
