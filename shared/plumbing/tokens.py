"""Signed tokens (JWT, PyJWT) on the wire: the keys we trust, checking one, and minting our own.

A caller puts its token in nameko's context data under ``authorization`` (the AMQP header
``nameko.authorization``; ``Bearer <jwt>`` or the bare JWT), or in HTTP's ``Authorization: Bearer``.
Which issuers we trust is configuration: ``TOKEN_ISSUERS_FILE``, a JSON file ``{"audience":
"ecd-platform", "issuers": {"<iss>": {"jwks_file": "..."} | {"jwks_url": "..."}}}`` (relative paths
from the file's folder; an issuer may carry ``"roles": [...]``, the only roles its tokens may claim,
and only an issuer that lists it may grant ``service``), so a province can trust its identity
provider (Keycloak's ``.../protocol/openid-connect/certs``) and a key per sector system. Only
asymmetric algorithms are accepted (a service holds public keys only); signature, issuer, audience,
expiry and not-before are all checked, with ``LEEWAY_SECONDS`` of clock skew. The platform's own
services sign their calls to each other with a key each (issuer ``SERVICE_ISSUER``, key id = the
service's name, ``ServiceSigner``).
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ISSUERS_FILE_KEY = "TOKEN_ISSUERS_FILE"
SERVICE_KEY_FILE_KEY = "SERVICE_KEY_FILE"
DEFAULT_AUDIENCE = "ecd-platform"
SERVICE_ISSUER = "ecd-services"
ALGORITHMS = ("ES256", "ES384", "RS256", "RS384", "RS512", "PS256", "EdDSA")
LEEWAY_SECONDS = 30
VERIFIED_CACHE_SECONDS = 60  # a verified token is believed again for at most this long
VERIFIED_CACHE_SIZE = 1024
TOKEN_MAX_CHARS = 8192
SERVICE_TOKEN_SECONDS = 300


class TokenRefused(Exception):
    """Why a token is not accepted, in words a caller can act on."""


@dataclass(frozen=True)
class Verified:
    issuer: str
    key_id: str | None
    claims: dict[str, Any]
    roles_granted: tuple[str, ...] | None = None  # the issuer's allow-list (``roles``), None: any


class Issuers:
    """The issuers we trust and their public keys; ``verify`` answers claims or ``TokenRefused``."""

    def __init__(self, audience: str, sources: dict[str, dict[str, str]], folder: Path) -> None:
        self.audience, self.sources, self.folder = audience, sources, folder
        self._clients: dict[str, jwt.PyJWKClient] = {}
        self._files: dict[Path, tuple[float, list[jwt.PyJWK]]] = {}
        self._verified: dict[str, tuple[float, Verified]] = {}

    @classmethod
    def from_file(cls, path: str | Path | None) -> "Issuers":
        """The issuers a file names; none (every token refused) when there is no such file."""
        if not path or not Path(path).is_file():
            return cls(DEFAULT_AUDIENCE, {}, Path("."))
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data.get("audience", DEFAULT_AUDIENCE), data.get("issuers", {}), Path(path).parent)

    def verify(self, token: Any) -> Verified:
        """The token's issuer, key and claims once every check passed (a caller's repeated token is
        believed from memory until it expires, for at most ``VERIFIED_CACHE_SECONDS``)."""
        token = bare(token)
        now = time.time()
        remembered = self._verified.get(token)
        if remembered is not None and now < remembered[0]:
            return remembered[1]
        verified = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (min(verified.claims["exp"] + LEEWAY_SECONDS, now + VERIFIED_CACHE_SECONDS),
                                 verified)
        return verified

    def _verify(self, token: str) -> Verified:
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRefused("not a JWT (three base64url parts: header.claims.signature)") from None
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self.sources:
            raise TokenRefused(f"issuer {str(issuer)[:80]!r} is not trusted")
        key = self._key(issuer, header.get("kid"))
        try:
            claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name], audience=self.audience,
                                issuer=issuer, leeway=LEEWAY_SECONDS,
                                options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.PyJWTError as error:
            raise TokenRefused(str(error)) from None
        granted = self.sources[issuer].get("roles")
        return Verified(issuer, header.get("kid"), claims, tuple(granted) if granted is not None else None)

    def _key(self, issuer: str, key_id: Any) -> jwt.PyJWK:
        keys = [k for k in self._keys(issuer) if k.algorithm_name in ALGORITHMS]
        chosen = [k for k in keys if k.key_id == key_id] if key_id is not None else keys[:1]
        if not chosen:
            raise TokenRefused(f"issuer {issuer!r} has no key {str(key_id)[:80]!r}")
        return chosen[0]

    def _keys(self, issuer: str) -> list[jwt.PyJWK]:
        try:
            return self._read_keys(issuer, self.sources[issuer])
        except (OSError, ValueError, KeyError, jwt.PyJWKError, jwt.PyJWKSetError) as error:
            reason = f"keys of issuer {issuer!r} unreadable here ({type(error).__name__})"
            raise TokenRefused(reason) from None

    def _read_keys(self, issuer: str, source: dict[str, Any]) -> list[jwt.PyJWK]:
        if "jwks_url" in source:
            client = self._clients.setdefault(issuer, jwt.PyJWKClient(source["jwks_url"], lifespan=300))
            try:
                return client.get_signing_keys()
            except jwt.PyJWKClientError as error:
                raise TokenRefused(f"keys of {issuer!r} unavailable ({error})") from None
        path = self.folder / source["jwks_file"]
        changed = path.stat().st_mtime
        cached = self._files.get(path)
        if cached is None or cached[0] != changed:  # a key added or rotated is read at the next call
            keys = list(jwt.PyJWKSet.from_dict(json.loads(path.read_text(encoding="utf-8"))).keys)
            self._files[path] = cached = (changed, keys)
        return cached[1]


def bare(token: Any) -> str:
    """The JWT of ``Bearer <jwt>`` or of a bare JWT; ``TokenRefused`` for anything else."""
    if not isinstance(token, str) or not token.strip():
        raise TokenRefused("no token (send it as the AMQP header nameko.authorization, nameko's context "
                           "data 'authorization', or HTTP's Authorization: Bearer <token>)")
    if len(token) > TOKEN_MAX_CHARS:
        raise TokenRefused(f"longer than {TOKEN_MAX_CHARS} characters")
    scheme, _, rest = token.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else token.strip()


def new_private_key() -> bytes:
    """A new ES256 (P-256) signing key, PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_jwk(private_pem: bytes, key_id: str) -> dict[str, Any]:
    """The public half of a signing key as a JWK (what a JWKS file lists)."""
    public = serialization.load_pem_private_key(private_pem, password=None).public_key()
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
    return {**jwk, "kid": key_id, "alg": "ES256", "use": "sig"}


def mint(private_pem: bytes, key_id: str, issuer: str, claims: dict[str, Any], seconds: int,
         audience: str = DEFAULT_AUDIENCE, now: float | None = None) -> str:
    """A signed token carrying ``claims``, valid from now for ``seconds``."""
    issued = int(time.time() if now is None else now)
    body = {**claims, "iss": issuer, "aud": audience, "iat": issued, "nbf": issued, "exp": issued + seconds}
    return jwt.encode(body, private_pem, algorithm="ES256", headers={"kid": key_id})


class ServiceSigner:
    """A service's own token for its calls to other services, renewed before it runs out."""

    def __init__(self, service: str, key_file: str | None) -> None:
        self.service = service
        self.key = Path(key_file).read_bytes() if key_file and Path(key_file).is_file() else None
        self._token, self._until = "", 0.0

    def token(self) -> str | None:
        if self.key is None:
            return None
        if time.time() > self._until:
            claims = {"sub": f"service:{self.service}", "system": self.service, "roles": ["service"],
                      "areas": [], "purpose": "platform operation"}
            self._token = mint(self.key, self.service, SERVICE_ISSUER, claims, SERVICE_TOKEN_SECONDS)
            self._until = time.time() + SERVICE_TOKEN_SECONDS / 2
        return self._token
