"""Load one file: its rows in batches through the batch RPC, the answers counted, the refused rows
written beside it, the progress saved after every answered batch, resumed where it stopped.

A rerun skips the rows the progress file says were answered; only the batch in flight at a crash
(sent, maybe stored, its answer not yet saved) is sent again, and storing nothing twice is the
contract's idempotency per ``record_id``. ``Stop`` is the Ctrl-C rule: the first SIGINT lets the
batch in flight be answered and saved, then the load stops (``Interrupted``); a second one leaves at
once (exit 130). ``LOAD_FAULT_EXIT_AFTER_BATCHES=K`` is a fault hook for tests: the process kills
itself (SIGKILL) when the answer to batch K+1 of this run arrives, before it is saved.
"""

import os
import signal
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from shared.contracts.batches import is_refused, refusal
from shared.exceptions import ValidationFailed
from tools.load import kinds, rows
from tools.load.meter import Meter
from tools.load.progress import Progress, fingerprint, read_progress, save_progress
from tools.load.refused import RefusedRows
from tools.load.sender import Sender

FAULT_HOOK = "LOAD_FAULT_EXIT_AFTER_BATCHES"
INTERRUPTED = 130


class CannotResume(Exception):
    """The progress file beside the input is for another file or another kind."""


class Interrupted(Exception):
    """Ctrl-C: stopped between batches, everything answered saved."""


class Stop:
    """SIGINT once: stop after the batch in flight; twice: leave at once."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.requested, self.stream = False, stream

    def install(self) -> "Stop":
        signal.signal(signal.SIGINT, self.handle)
        return self

    def handle(self, *_: Any) -> None:
        if self.requested:
            self.stream.write("\nStopped at once: the batch in flight was not saved (it is sent again "
                              "on the next run).\n")
            self.stream.flush()
            os._exit(INTERRUPTED)
            return  # only where a test stands in for os._exit
        self.requested = True
        self.stream.write("\nStopping after the batch in flight is answered "
                          "(Ctrl-C again to leave at once)\n")
        self.stream.flush()


@dataclass(frozen=True)
class Source:
    path: Path
    kind: kinds.Kind
    file_format: str

    @classmethod
    def of(cls, path: Path, service: str | None = None, rpc: str | None = None) -> "Source":
        return cls(path, kinds.kind_of(path, service, rpc), kinds.file_format(path))


def start(source: Source, restart: bool = False) -> Progress:
    """The saved progress, checked against the file and kind; fresh if none (or ``restart``)."""
    found = fingerprint(source.path)
    saved = None if restart else read_progress(source.path)
    if saved is None:
        fresh = Progress(found, source.kind.service, source.kind.rpc,
                         rows.count_rows(source.path, source.file_format))
        save_progress(source.path, fresh)
        return fresh
    if saved.fingerprint != found:
        raise CannotResume(f"{source.path} changed since its load began ({saved.rows_done:,} rows answered): "
                           "load it again from the start with --restart (rows already stored are "
                           "answered again, not stored twice)")
    if (saved.service, saved.rpc) != (source.kind.service, source.kind.rpc):
        raise CannotResume(f"{source.path} was being loaded as {saved.service}.{saved.rpc}, not "
                           f"{source.kind.service}.{source.kind.rpc}: use --restart to load it as that")
    return saved


def batches(items: Iterable[rows.Row], size: int) -> Iterator[list[rows.Row]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def answer_batch(sender: Sender, kind: kinds.Kind, batch: list[rows.Row]) -> list[dict[str, Any]]:
    """One answer per row: the service's for the rows sent, a ``ValidationFailed`` for malformed ones."""
    sent = [row for row in batch if row.record is not None]
    answers = iter(sender.send(kind, [row.record for row in sent]) if sent else [])
    return [next(answers) if row.record is not None
            else refusal(row.record_id, ValidationFailed({rows.WHOLE_ROW: [row.problem or "Malformed."]}))
            for row in batch]


def rows_left(source: Source, progress: Progress, stream: TextIO) -> Iterator[rows.Row]:
    """The file's rows after those already answered, CSV cells typed by the kind's schema."""
    readers = kinds.cell_readers(source.kind)
    if readers is None:
        stream.write(f"{source.path}: no input schema found for {source.kind.service}.{source.kind.rpc}: "
                     "CSV cells are sent as text\n")
    return islice(rows.read_rows(source.path, source.file_format, readers or {}), progress.rows_done, None)


def crash_if_told(answered: int) -> None:
    """The fault hook: SIGKILL when this run's batch ``LOAD_FAULT_EXIT_AFTER_BATCHES`` + 1 is answered."""
    if answered == int(os.environ.get(FAULT_HOOK, "-1")):
        os.kill(os.getpid(), signal.SIGKILL)


def load_file(source: Source, sender: Sender, batch_size: int, stop: Stop, restart: bool = False,
              stream: TextIO = sys.stderr) -> Progress:
    """Send the rows not yet answered; the progress (saved) when the file is done."""
    progress = start(source, restart)
    if progress.complete:
        return progress
    columns = rows.header(source.path) if source.file_format == "csv" else []
    refused = RefusedRows(source.path, source.file_format, columns, progress.refused_bytes)
    meter = Meter(source.path.name, progress.total, progress.rows_done, stream)
    try:
        for answered, batch in enumerate(batches(rows_left(source, progress, stream), batch_size)):
            if stop.requested:
                raise Interrupted(f"{source.path}: stopped after row {progress.rows_done:,} "
                                  f"of {progress.total:,}")
            answers = answer_batch(sender, source.kind, batch)
            crash_if_told(answered)
            keep(source, progress, refused, batch, answers)
            meter.update(progress.rows_done)
        progress.complete = True
        save_progress(source.path, progress)
    finally:
        refused.close()
        meter.close()
    return progress


def keep(source: Source, progress: Progress, refused: RefusedRows, batch: list[rows.Row],
         answers: list[dict[str, Any]]) -> None:
    """Write the batch's refused rows, count its answers, then save the progress past it."""
    for row, answer in zip(batch, answers, strict=True):
        if is_refused(answer):
            record_id = answer.get("record_id") or row.record_id
            refused.write(row.line, row.raw, {**answer, "record_id": record_id})
    progress.count(answers)
    progress.refused_bytes = refused.flush()
    progress.rows_done += len(batch)
    save_progress(source.path, progress)
