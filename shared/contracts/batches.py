"""The batch write contract: one RPC per write RPC that takes many records and answers each.

Every sector write RPC ``verb_noun(record)`` has a batch twin ``batch_rpc_name("verb_noun")``
(``register_birth`` -> ``register_births``, ``refer_child`` -> ``refer_children``) that takes
``records`` (a list of the same dicts, at most the configured ``BATCH_MAX_RECORDS``) and answers a
list in the same order: for each record either the answer its single write gives (``status``
``accepted`` or ``pending``, ``record_id``, ``event_id``, …) or a refusal
``{"record_id": <id or None>, "status": "refused", "error": {"type": "ValidationFailed",
"message": "...", "fields": {field: [messages]}}}`` carrying the same typed error the single write
raises (``fields`` only for ``ValidationFailed``). One bad record does not sink the batch; a record
is idempotent per ``record_id`` exactly as in the single write. A batch that is not a list, or is
longer than the limit, is refused whole with ``ValidationFailed`` naming ``records``.
"""

from typing import Any

from shared.exceptions import PlatformError, ValidationFailed

REFUSED = "refused"
BATCH_MAX_RECORDS_KEY = "BATCH_MAX_RECORDS"  # config: the longest batch a sector takes
BATCH_MAX_RECORDS = 1000
IRREGULAR_PLURALS = {"child": "children"}


def batch_rpc_name(rpc_name: str) -> str:
    """The batch twin of a write RPC: its last word in the plural."""
    head, _, last = rpc_name.rpartition("_")
    if last in IRREGULAR_PLURALS:
        plural = IRREGULAR_PLURALS[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        plural = f"{last}es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        plural = f"{last[:-1]}ies"
    else:
        plural = f"{last}s"
    return f"{head}_{plural}" if head else plural


def refusal(record_id: Any, error: PlatformError) -> dict[str, Any]:
    """The answer for a record the batch did not store: its typed error, as data."""
    described: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, ValidationFailed):
        described["fields"] = error.errors
    return {"record_id": record_id if isinstance(record_id, str) else None, "status": REFUSED,
            "error": described}


def is_refused(answer: dict[str, Any]) -> bool:
    return answer.get("status") == REFUSED
