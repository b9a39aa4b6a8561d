"""The embedded default's keys and tokens: ``python -m tools.access token ...`` and what ``make run`` uses.

``ensure_trust`` makes, on first use, everything a platform needs to check tokens, under
``var/access/`` (``ECD_ACCESS_DIR``, beside the broker users' passwords), private keys with mode
0600 and never in git: a development issuer ``ecd-dev`` (one ES256 key; what ``token`` signs with,
for demos and small deployments), a key per service (issuer ``ecd-services``, key id = the service)
for their calls to each other, both JWKS files of public keys, and ``issuers.json`` naming them
(``TOKEN_ISSUERS_FILE``). An existing ``issuers.json`` is left as it is, so a province that trusts
its own identity provider edits it once. ``token`` prints a signed token for a user, roles and areas.
"""

import argparse
import json
import os
import re
from pathlib import Path

from shared.plumbing.tokens import DEFAULT_AUDIENCE, SERVICE_ISSUER, mint, new_private_key, public_jwk
from shared.rules import access
from tools.access.declarations import PLATFORM_SERVICES
from tools.access.passwords import access_dir

SERVICES = PLATFORM_SERVICES
DEV_ISSUER = "ecd-dev"
DEV_KEY_ID = "ecd-dev-1"
TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _private(path: Path) -> bytes:
    """The key at ``path``, made (mode 0600) if there is none yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(new_private_key())
    return path.read_bytes()


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def service_key_file(folder: Path, service: str) -> Path:
    return folder / "services" / f"{service}.pem"


def ensure_trust(folder: Path | None = None) -> Path:
    """Keys and the issuers file under ``folder`` (made where missing); the issuers file's path."""
    folder = folder or access_dir()
    dev = _private(folder / "dev-signing.pem")
    _write_json(folder / "dev.jwks.json", {"keys": [public_jwk(dev, DEV_KEY_ID)]})
    services = [public_jwk(_private(service_key_file(folder, s)), s) for s in SERVICES]
    _write_json(folder / "services.jwks.json", {"keys": services})
    issuers = folder / "issuers.json"
    if not issuers.exists():
        _write_json(issuers, {"audience": DEFAULT_AUDIENCE, "issuers": {
            DEV_ISSUER: {"jwks_file": "dev.jwks.json", "roles": list(access.roles())},
            SERVICE_ISSUER: {"jwks_file": "services.jwks.json", "roles": ["service"]}}})
    return issuers


def dev_token(user: str, roles: list[str], areas: list[str], system: str = "dev", purpose: str = "",
              seconds: int = 3600, folder: Path | None = None) -> str:
    """A token for ``user`` signed with the development issuer's key."""
    folder = folder or access_dir()
    ensure_trust(folder)
    claims = {"sub": user, "system": system, "roles": roles, "areas": areas,
              "purpose": purpose or "unspecified"}
    return mint((folder / "dev-signing.pem").read_bytes(), DEV_KEY_ID, DEV_ISSUER, claims, seconds)


def parse_ttl(text: str) -> int:
    """``90s``, ``15m``, ``1h``, ``7d`` (or plain seconds) as seconds."""
    match = re.fullmatch(r"(\d+)([smhd]?)", text.strip())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 90s, 15m, 1h or 7d")
    return int(match.group(1)) * TTL_UNITS[match.group(2) or "s"]


def register(commands: argparse._SubParsersAction) -> None:
    token = commands.add_parser("token", help="print a token signed with the development key")
    token.add_argument("--user", required=True, help="the user id (the token's sub)")
    token.add_argument("--role", action="append", required=True, dest="roles",
                       help="a role of shared/rules/data/access.yaml (repeat for several)")
    token.add_argument("--area", action="append", default=[], dest="areas",
                       help="a province (2 digits), district (3) or commune (5) code (repeat)")
    token.add_argument("--system", default="dev", help="the sector system the user works in")
    token.add_argument("--purpose", default="", help="why the user reads (kept in the audit log)")
    token.add_argument("--ttl", type=parse_ttl, default=3600, help="how long it is valid (default 1h)")
    token.set_defaults(run=run_token)


def run_token(args: argparse.Namespace) -> int:
    print(dev_token(args.user, args.roles, args.areas, args.system, args.purpose, args.ttl))
    return 0
