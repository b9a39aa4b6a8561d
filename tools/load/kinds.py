"""Which batch RPC a file is loaded through, and how its CSV cells become the values that RPC takes.

A file holds one kind of record, the records of one sector write RPC. ``--service S --rpc R`` names
it; otherwise the file's name does: ``[anything.]SERVICE.RPC.csv`` or ``.jsonl`` (for example
``registry.register_birth.csv``, ``2019.health.record_vaccination.jsonl``). The records go through
the RPC's batch twin (``shared.contracts.batches``). A CSV cell is text, while the RPCs' schemas want
true numbers and lists: the RPC's input schema (``services.<service>.schemas.<Rpc>Schema``, or the
kit's ``VoidRecordSchema`` and referral schemas) says which fields are integers, decimals or JSON
(lists, objects), and such a cell is read as one; a cell that does not read as its type is sent as
the text it is, so the service refuses the row naming the field, as it would a bad JSON value.
"""

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields

from shared.contracts.batches import batch_rpc_name

FORMATS = {".csv": "csv", ".jsonl": "jsonl"}
NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
SCHEMA_MODULES = ("services.{service}.schemas", "shared.kit.records", "shared.kit.referral_commands")
CellReader = Callable[[str], Any]


class UnknownKind(Exception):
    """The file's kind or format cannot be told (say it with --service/--rpc, or rename the file)."""


@dataclass(frozen=True)
class Kind:
    service: str
    rpc: str

    @property
    def batch_rpc(self) -> str:
        return batch_rpc_name(self.rpc)

    def __str__(self) -> str:
        return f"{self.service}.{self.batch_rpc}"


def file_format(path: Path) -> str:
    """``csv`` or ``jsonl``, from the file's extension."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UnknownKind(f"{path}: a file to load ends in .csv or .jsonl") from None


def kind_of(path: Path, service: str | None = None, rpc: str | None = None) -> Kind:
    """The kind the options name, or else the one the file's name (``…SERVICE.RPC.ext``) names."""
    if bool(service) != bool(rpc):
        raise UnknownKind("--service and --rpc go together")
    if not service:
        parts = path.name.split(".")
        service, rpc = (parts[-3], parts[-2]) if len(parts) >= 3 else ("", "")
    if not (NAME.match(service) and NAME.match(rpc)):
        raise UnknownKind(f"{path}: name the kind with --service and --rpc, or name the file "
                          "SERVICE.RPC.csv or SERVICE.RPC.jsonl (registry.register_birth.csv)")
    return Kind(service, rpc)


def input_schema(kind: Kind) -> type[Schema] | None:
    """The RPC's input schema, found by the ``<Command>Schema`` naming rule, or None."""
    name = "".join(word.capitalize() for word in kind.rpc.split("_")) + "Schema"
    for module in SCHEMA_MODULES:
        try:
            found = getattr(importlib.import_module(module.format(service=kind.service)), name, None)
        except ImportError:
            continue
        if isinstance(found, type) and issubclass(found, Schema):
            return found
    return None


def _reader(field: fields.Field) -> CellReader | None:
    if isinstance(field, fields.Integer):
        return int
    if isinstance(field, fields.Float):
        return float
    if isinstance(field, fields.List | fields.Tuple | fields.Dict | fields.Nested):
        return json.loads
    return None  # text, dates, booleans (marshmallow reads "true"/"false"), decimals: sent as text


def cell_readers(kind: Kind) -> dict[str, CellReader] | None:
    """The column -> reader map for the kind's typed fields; None when its schema is not found."""
    schema = input_schema(kind)
    if schema is None:
        return None
    found = {}
    for name, field in schema().fields.items():
        reader = _reader(field)
        if reader is not None:
            found[field.data_key or name] = reader
    return found


def read_cell(readers: dict[str, CellReader], column: str, cell: str) -> Any:
    """``cell`` as its column's type, or as the text it is when it does not read as one."""
    reader = readers.get(column)
    if reader is None:
        return cell
    try:
        return reader(cell)
    except ValueError:  # json.JSONDecodeError is one
        return cell
