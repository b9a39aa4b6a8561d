"""Typed errors that cross nameko RPC as themselves.

Each class is registered with ``nameko.exceptions.deserialize_to_instance``, so a caller's proxy
raises ``ValidationFailed`` (with its ``errors`` mapping of field -> messages), ``NotFound``,
``Conflict``, ``Unauthenticated`` or ``Forbidden`` instead of a generic ``RemoteError``. Constructor
arguments are JSON-safe because nameko rebuilds the exception from ``exc.args`` on the calling side.
"""

from collections.abc import Mapping, Sequence

from nameko.exceptions import deserialize_to_instance


class PlatformError(Exception):
    """Base of every error a caller is expected to handle."""


@deserialize_to_instance
class ValidationFailed(PlatformError):
    """The input broke a rule; ``errors`` maps each offending field to its messages."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        super().__init__(dict(errors))
        self.errors: dict[str, list[str]] = {field: list(msgs) for field, msgs in errors.items()}

    def __str__(self) -> str:
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in sorted(self.errors.items()))


@deserialize_to_instance
class NotFound(PlatformError):
    """The named record does not exist."""


@deserialize_to_instance
class Conflict(PlatformError):
    """The request contradicts what is already stored."""


@deserialize_to_instance
class Unauthenticated(PlatformError):
    """No token, or one that is not valid: unsigned by a trusted issuer, expired, not yet valid, for
    another audience or without the claims an identity needs. Nothing was read or stored."""


@deserialize_to_instance
class Forbidden(PlatformError):
    """A valid token whose roles or areas do not allow this call (refused reads are audited)."""


HTTP_STATUS = {"Unauthenticated": 401, "Forbidden": 403, "NotFound": 404, "Conflict": 409}


def http_status(error: PlatformError) -> int:
    """The HTTP status of a typed error: 401, 403, 404, 409, or 400 for bad input."""
    return HTTP_STATUS.get(type(error).__name__, 400)


def http_headers(error: PlatformError) -> dict[str, str]:
    """Headers an HTTP refusal carries besides its body (401 says which scheme to use)."""
    return {"WWW-Authenticate": 'Bearer realm="ecd-platform"'} if isinstance(error, Unauthenticated) else {}


def flatten_marshmallow_errors(messages: Mapping, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested ``{"field": [...]}`` / ``{"_schema": [...]}`` into flat field paths."""
    flat: dict[str, list[str]] = {}
    for field, value in messages.items():
        path = f"{prefix}{field}"
        if isinstance(value, Mapping):
            flat.update(flatten_marshmallow_errors(value, prefix=f"{path}."))
        else:
            flat[path] = [str(m) for m in value]
    return flat
