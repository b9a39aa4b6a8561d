"""Case notes encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from ``cryptography``).

``NotesCipher`` is a dependency provider: the keys come from ``NOTES_KEY`` (Fernet keys, newest
first, separated by commas; in Kubernetes a Secret), or, on a developer's machine, from
``NOTES_KEY_FILE`` (one key a line, newest first; made on first start, readable by its owner only).
A database dump alone does not reveal a note. Rotation: a new key goes first (``add_key_to_file``);
new notes are written with it and every listed key still reads; ``reencrypt_notes`` rewrites the
stored notes with the newest key, after which the older keys can be removed.
"""

import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from nameko.extensions import DependencyProvider
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.protection.orm import CaseNote

NOTES_KEY_KEY = "NOTES_KEY"
NOTES_KEY_FILE_KEY = "NOTES_KEY_FILE"
DEFAULT_KEY_FILE = "var/protection-notes.key"


def digest(text: str) -> str:
    """What the records table keeps of a note: enough to recognise a retry, nothing to read."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_keys(text: str | bytes) -> list[bytes]:
    """Fernet keys separated by commas, spaces or lines, newest first."""
    raw = text.decode("ascii") if isinstance(text, bytes) else text
    return [key.encode("ascii") for key in raw.replace(",", " ").split()]


def _write_private(path: Path, keys: list[bytes]) -> None:
    """Write the key file readable by its owner only (a new file, then renamed over the old)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(path.name + ".new")
    fresh.unlink(missing_ok=True)
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(b"\n".join(keys) + b"\n")
    fresh.replace(path)


def keys_from_file(path: Path) -> list[bytes]:
    if not path.exists():
        _write_private(path, [Fernet.generate_key()])
    return parse_keys(path.read_bytes())


def add_key_to_file(path: Path) -> list[bytes]:
    """Put a new key first in the file (the others stay, so every note still reads)."""
    keys = [Fernet.generate_key(), *keys_from_file(path)]
    _write_private(path, keys)
    return keys


def configured_keys(config: dict) -> list[bytes]:
    listed = config.get(NOTES_KEY_KEY)
    if listed:
        return parse_keys(listed)
    return keys_from_file(Path(config.get(NOTES_KEY_FILE_KEY) or DEFAULT_KEY_FILE))


def notes_cipher(keys: list[bytes]) -> MultiFernet:
    """Writes with the first key, reads with any."""
    return MultiFernet([Fernet(key) for key in keys])


def reencrypt_notes(session: Session, cipher: MultiFernet) -> int:
    """Rewrite every stored note with the newest key; how many were rewritten."""
    count = 0
    for note in session.scalars(select(CaseNote)):
        note.ciphertext = cipher.rotate(note.ciphertext)
        count += 1
    session.commit()
    return count


class NotesCipher(DependencyProvider):
    def setup(self) -> None:
        self.cipher = notes_cipher(configured_keys(self.container.config))

    def get_dependency(self, worker_ctx) -> MultiFernet:
        return self.cipher
