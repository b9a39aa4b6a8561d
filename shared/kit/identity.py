"""Who is calling: the verified identity every RPC and every HTTP read starts from.

``Caller`` is a nameko dependency provider: each worker gets a ``CallerContext`` that verifies the
token the call carried (context data ``authorization``; HTTP's ``Authorization`` header for the
pages and CSV downloads) against the trusted issuers (``shared.plumbing.tokens``) and reads the
claims into an ``Identity``: ``sub`` (the user), ``system`` (the sector system that sent it),
``roles`` (or one ``role``), ``areas`` (province, district or commune codes, read on the map in force
when the token was issued) and ``purpose``. A token the platform's own service keys signed may claim
only the role ``service`` and the system its key is named after; an issuer with a ``roles`` list may
grant only those, and one without may grant any role but ``service`` (a province's identity provider
cannot mint a reader of every event log). Anything else is ``Unauthenticated``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from nameko.extensions import DependencyProvider

from shared.exceptions import Unauthenticated
from shared.plumbing.tokens import ISSUERS_FILE_KEY, SERVICE_ISSUER, Issuers, TokenRefused, Verified
from shared.rules.admin_units import admin_units

AREA_LENGTHS = (2, 3, 5)
RESERVED_ROLES = ("service",)  # granted only by an issuer whose ``roles`` list names it
AREAS_MAX = 500


@dataclass(frozen=True)
class Identity:
    user_id: str
    system: str
    roles: tuple[str, ...]
    areas: tuple[str, ...]
    purpose: str
    issuer: str
    issued_on: date

    def as_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "system": self.system, "roles": list(self.roles),
                "areas": list(self.areas), "purpose": self.purpose}

    def covers(self, code: str | None, on: date | str) -> bool:
        """Whether one of the caller's areas holds the area ``code`` read on the map in force ``on``
        (or on the map version ``on`` names)."""
        if not code:
            return False
        units = admin_units()
        own_map = units.map_on(self.issued_on)
        target_map = on if isinstance(on, str) else units.map_on(on)
        return any(units.covers(area, own_map, code, target_map) for area in self.areas)


def identity_of(verified: Verified) -> Identity:
    """The identity a verified token's claims describe, or ``Unauthenticated`` naming the claim."""
    claims = verified.claims
    user = _text(claims.get("sub"), "sub", 64)
    system = _text(claims.get("system", verified.issuer), "system", 64)
    roles = _roles(claims)
    if verified.issuer == SERVICE_ISSUER and (roles != ("service",) or system != verified.key_id):
        raise Unauthenticated("A service key signs only for its own service, with the role 'service'.")
    granted = verified.roles_granted
    beyond = [r for r in roles if (r not in granted if granted is not None else r in RESERVED_ROLES)]
    if beyond:
        raise Unauthenticated(f"Issuer {verified.issuer[:80]!r} may not grant the roles {', '.join(beyond)}.")
    purpose = _text(claims.get("purpose", "unspecified"), "purpose", 200)
    return Identity(user, system, roles, _areas(claims.get("areas", [])), purpose, verified.issuer,
                    datetime.fromtimestamp(claims["iat"], UTC).date())


def _text(value: Any, claim: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Unauthenticated(f"Token claim '{claim}' must be text of 1 to {limit} characters.")
    return value


def _roles(claims: dict[str, Any]) -> tuple[str, ...]:
    roles = claims.get("roles", [claims["role"]] if "role" in claims else None)
    if not isinstance(roles, list) or not roles or len(roles) > 20:
        raise Unauthenticated("Token claim 'roles' must be a list of 1 to 20 role names (or 'role' one).")
    return tuple(_text(role, "roles", 32) for role in roles)


def _areas(areas: Any) -> tuple[str, ...]:
    if not isinstance(areas, list) or len(areas) > AREAS_MAX or not all(_is_area(a) for a in areas):
        raise Unauthenticated(f"Token claim 'areas' must be a list of at most {AREAS_MAX} province "
                              "(2-digit), district (3-digit) or commune (5-digit) codes.")
    return tuple(areas)


def _is_area(code: Any) -> bool:
    return isinstance(code, str) and code.isascii() and code.isdigit() and len(code) in AREA_LENGTHS


class CallerContext:
    """One worker's caller: verified on first use, then the same identity for the whole call."""

    def __init__(self, issuers: Issuers, token: Any) -> None:
        self.issuers, self.token = issuers, token
        self._identity: Identity | None = None

    def use_header(self, authorization: str | None) -> "CallerContext":
        """For HTTP: the ``Authorization`` header's token instead of the context data's."""
        self.token, self._identity = authorization, None
        return self

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            try:
                verified = self.issuers.verify(self.token)
            except TokenRefused as refusal:
                raise Unauthenticated(f"Token refused: {refusal}.") from None
            self._identity = identity_of(verified)
        return self._identity


class Caller(DependencyProvider):
    """``self.caller`` in a worker: the ``CallerContext`` of the call it runs."""

    def setup(self) -> None:
        self.issuers = Issuers.from_file(self.container.config.get(ISSUERS_FILE_KEY))

    def get_dependency(self, worker_ctx) -> CallerContext:
        return CallerContext(self.issuers, worker_ctx.data.get("authorization"))


def roles_text(roles: Iterable[str]) -> str:
    return ", ".join(roles) or "none"
