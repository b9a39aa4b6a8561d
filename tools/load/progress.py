"""What a load has done, kept beside its input, so that a crash or a Ctrl-C loses nothing and a rerun
sends no acknowledged row again.

``FILE.progress.json`` holds the file's fingerprint (size and SHA-256: a changed file is not resumed
blindly), the kind it is loaded as, how many rows (in file order) the services have answered, the
answers counted so far and how long the refused-rows file was at that point (a rerun cuts off what
the batch in flight at a crash had written). It is rewritten after every answered batch, atomically
(a temporary file, flushed to disk, renamed over the old one): a crash leaves the old state or the new
one, never half of either.
"""

import hashlib
import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shared.contracts.batches import is_refused

CHUNK = 1 << 20


def progress_path(source: Path) -> Path:
    return source.with_name(f"{source.name}.progress.json")


def fingerprint(source: Path) -> dict[str, Any]:
    """The file's size and SHA-256: what it must still be for a load to resume."""
    digest = hashlib.sha256()
    with source.open("rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return {"size": source.stat().st_size, "sha256": digest.hexdigest()}


@dataclass
class Progress:
    fingerprint: dict[str, Any]
    service: str
    rpc: str
    total: int  # rows in the file
    rows_done: int = 0  # the first rows_done rows are answered: a rerun starts after them
    accepted: int = 0
    pending: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # error type -> rows
    refused_bytes: int = 0  # the refused-rows file's length when rows_done was saved
    complete: bool = False

    def count(self, answers: list[dict[str, Any]]) -> None:
        """Add a batch's answers (the contract's: accepted, pending, or refused with a typed error)."""
        refused = Counter(self.refused)
        for answer in answers:
            if is_refused(answer):
                refused[answer["error"]["type"]] += 1
            elif answer.get("status") == "pending":
                self.pending += 1
            else:
                self.accepted += 1
        self.refused = dict(sorted(refused.items()))

    def refused_total(self) -> int:
        return sum(self.refused.values())


def read_progress(source: Path) -> Progress | None:
    path = progress_path(source)
    if not path.exists():
        return None
    return Progress(**json.loads(path.read_text(encoding="utf-8")))


def save_progress(source: Path, progress: Progress) -> None:
    """Replace ``FILE.progress.json`` at once: temporary file, fsync, rename."""
    path = progress_path(source)
    temporary = path.with_name(f"{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as out:
        json.dump(asdict(progress), out, indent=2, ensure_ascii=False)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
