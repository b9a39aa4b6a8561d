"""The rows of a CSV or JSON lines file, each as the record its RPC takes, with its line number.

CSV: the first row names the fields; an empty cell is a field left out; cells are typed by the
RPC's schema (``tools.load.kinds``); a row with more or fewer cells than the header is malformed.
JSON lines: one record (a JSON object) a line; blank lines are skipped; a line that is not JSON, or
not an object, is malformed. A malformed row is not sent: it is refused here, with its line number,
as the ``ValidationFailed`` a service would give (on ``_schema``, the whole row), and the load goes
on. Rows come in file order, so "the first N rows" means the same rows on every run.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.load.kinds import CellReader, read_cell

WHOLE_ROW = "_schema"


@dataclass(frozen=True)
class Row:
    line: int  # where the row starts in the file, counting from 1 (the CSV header is line 1)
    record: dict[str, Any] | None  # None: malformed, refused without being sent
    raw: Any  # as read: the CSV cells (list), the JSON object, or a malformed line's text
    problem: str | None = None

    @property
    def record_id(self) -> Any:
        source = self.record if self.record is not None else self.raw
        return source.get("record_id") if isinstance(source, dict) else None


def read_rows(path: Path, file_format: str, readers: dict[str, CellReader]) -> Iterator[Row]:
    return (_csv_rows if file_format == "csv" else _json_rows)(path, readers)


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as source:
        return next(csv.reader(source), [])


def _csv_rows(path: Path, readers: dict[str, CellReader]) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8-sig") as source:
        cells_of = csv.reader(source)
        columns = next(cells_of, [])
        start = cells_of.line_num + 1
        for cells in cells_of:
            line, start = start, cells_of.line_num + 1
            if not cells:
                continue
            if len(cells) != len(columns):
                yield Row(line, None, cells, f"Has {len(cells)} cells where the header has {len(columns)}.")
                continue
            record = {column: read_cell(readers, column, cell)
                      for column, cell in zip(columns, cells, strict=True) if cell != ""}
            yield Row(line, record, cells)


def _json_rows(path: Path, readers: dict[str, CellReader]) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig") as source:
        for line, text in enumerate(source, start=1):
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                problem = f"Not valid JSON: {error.msg} (column {error.colno})."
                yield Row(line, None, text, problem)
                continue
            if not isinstance(record, dict):
                yield Row(line, None, record, f"Must be a JSON object, not {type(record).__name__}.")
                continue
            yield Row(line, record, record)


def count_rows(path: Path, file_format: str) -> int:
    """How many rows ``read_rows`` gives, without typing them (for the progress bar's total)."""
    if file_format == "jsonl":
        with path.open(encoding="utf-8-sig") as source:
            return sum(1 for text in source if text.strip())
    with path.open(newline="", encoding="utf-8-sig") as source:
        return max(sum(1 for cells in csv.reader(source) if cells) - 1, 0)
