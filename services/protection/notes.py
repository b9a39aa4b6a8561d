"""Case notes encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from ``cryptography``).

``NotesCipher`` is a dependency provider: the key comes from ``NOTES_KEY`` (a Fernet key; in
Kubernetes a Secret), or, on a developer's machine, from ``NOTES_KEY_FILE`` (made on first start,
readable by its owner only). A database dump alone does not reveal a note.
"""

import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet
from nameko.extensions import DependencyProvider

NOTES_KEY_KEY = "NOTES_KEY"
NOTES_KEY_FILE_KEY = "NOTES_KEY_FILE"
DEFAULT_KEY_FILE = "var/protection-notes.key"


def digest(text: str) -> str:
    """What the records table keeps of a note: enough to recognise a retry, nothing to read."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_from_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(Fernet.generate_key())
    return path.read_bytes().strip()


class NotesCipher(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        key = config.get(NOTES_KEY_KEY) or key_from_file(
            Path(config.get(NOTES_KEY_FILE_KEY) or DEFAULT_KEY_FILE))
        self.fernet = Fernet(key if isinstance(key, bytes) else key.encode("ascii"))

    def get_dependency(self, worker_ctx) -> Fernet:
        return self.fernet
