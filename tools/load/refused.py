"""The rows a load could not store, written beside its input with the typed error each got.

``FILE.refused.csv`` for a CSV input (columns ``line, record_id, error_type, error_message,
error_fields`` then the row's own cells, under the input's header), ``FILE.refused.jsonl`` for JSON
lines (``{"line", "record_id", "error": {"type", "message", "fields"?}, "row"}``; ``row`` is the
record, or a malformed line's text). The file is made at the first refused row; a resumed load
first cuts it to the length its progress file saved, so a batch answered but not saved before a
crash is not written twice. ``flush`` puts it on disk before the progress that counts it is saved.
"""

import csv
import io
import json
import os
from pathlib import Path
from typing import IO, Any

FIXED_COLUMNS = ["line", "record_id", "error_type", "error_message", "error_fields"]


def refused_path(source: Path, file_format: str) -> Path:
    return source.with_name(f"{source.name}.refused.{file_format}")


class RefusedRows:
    def __init__(self, source: Path, file_format: str, columns: list[str], keep_bytes: int) -> None:
        self.path, self.format, self.columns = refused_path(source, file_format), file_format, columns
        self._out: IO[str] | None = None
        if keep_bytes == 0:
            self.path.unlink(missing_ok=True)
        elif self.path.exists():
            with self.path.open("r+b") as kept:
                kept.truncate(keep_bytes)

    def write(self, line: int, raw: Any, answer: dict[str, Any]) -> None:
        error = answer["error"]
        out = self._open()
        if self.format == "jsonl":
            out.write(json.dumps({"line": line, "record_id": answer.get("record_id"), "error": error,
                                  "row": raw}, ensure_ascii=False) + "\n")
            return
        fields = json.dumps(error["fields"], ensure_ascii=False) if "fields" in error else ""
        cells = raw if isinstance(raw, list) else [raw]
        csv.writer(out).writerow([line, answer.get("record_id") or "", error["type"], error["message"],
                                  fields, *cells])

    def flush(self) -> int:
        """Everything written is on disk; the file's length (0 when nothing was refused)."""
        if self._out is None:
            return self.path.stat().st_size if self.path.exists() else 0
        self._out.flush()
        os.fsync(self._out.fileno())
        return os.fstat(self._out.fileno()).st_size

    def close(self) -> None:
        if self._out is not None:
            self._out.close()

    def _open(self) -> IO[str]:
        if self._out is None:
            new = not self.path.exists()
            self._out = self.path.open("a", newline="", encoding="utf-8")
            if new and self.format == "csv":
                header = io.StringIO()
                csv.writer(header).writerow([*FIXED_COLUMNS, *self.columns])
                self._out.write(header.getvalue())
        return self._out
