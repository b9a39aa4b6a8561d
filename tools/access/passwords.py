"""Broker users' generated passwords, kept out of git under ``var/access/`` (``ECD_ACCESS_DIR``).

One file per user, ``<user>.json`` (mode 0600, in a 0700 folder): the password, the name of the
Kubernetes Secret that carries it (``secret_name``), and for a sector system the sectors it calls.
A password is made once and reused on every later run, so applying the users again changes nothing
for a service already running; two processes making the same user's password at once agree on the
first one written.
"""

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

ACCESS_DIR_KEY = "ECD_ACCESS_DIR"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str
    secret_name: str
    sectors: tuple[str, ...] = ()  # a system's sectors; empty for a platform service


def access_dir() -> Path:
    return Path(os.environ.get(ACCESS_DIR_KEY) or ROOT / "var" / "access")


def secret_name(user: str) -> str:
    """A Kubernetes Secret name (DNS-1123) for ``user``'s password: ``ecd-health`` -> ``ecd-health-amqp``."""
    return re.sub(r"[^a-z0-9-]+", "-", user.lower()).strip("-") + "-amqp"


class PasswordStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or access_dir()

    def path(self, user: str) -> Path:
        return self.folder / f"{user}.json"

    def credentials(self, user: str, sectors: tuple[str, ...] = ()) -> Credentials:
        """``user``'s stored credentials (its sectors updated when given), made on first use."""
        found = self.read(user)
        if found is None:
            found = self._create(Credentials(user, secrets.token_urlsafe(24), secret_name(user), sectors))
        if sectors and tuple(sectors) != found.sectors:
            found = Credentials(found.user, found.password, found.secret_name, tuple(sectors))
            self._write(found, replace=True)
        return found

    def read(self, user: str) -> Credentials | None:
        try:
            data = json.loads(self.path(user).read_text())
        except FileNotFoundError:
            return None
        return Credentials(data["user"], data["password"], data["secret_name"],
                           tuple(data.get("sectors", ())))

    def systems(self, prefix: str) -> list[Credentials]:
        """Every sector system stored for users named ``<prefix>system-…``."""
        found = (self.read(path.stem) for path in sorted(self.folder.glob(f"{prefix}system-*.json")))
        return [credentials for credentials in found if credentials and credentials.sectors]

    def _create(self, credentials: Credentials) -> Credentials:
        try:
            self._write(credentials, replace=False)
        except FileExistsError:  # another process made it first: theirs is the password
            return self.read(credentials.user)
        return credentials

    def _write(self, credentials: Credentials, replace: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.path(credentials.user)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump({**asdict(credentials), "sectors": list(credentials.sectors)}, out, indent=2)
        if replace:
            os.replace(temporary, target)
            return
        try:
            os.link(temporary, target)  # fails if it exists: never overwrite another's password
        finally:
            temporary.unlink()
