"""The protection database's schema: its models and its alembic revisions (``versions/``), applied at start
(``shared.plumbing.db.Database``) and by ``python -m shared.plumbing.migrate protection``."""

from pathlib import Path

from services.protection.orm import ProtectionBase
from shared.plumbing.migrations import Schema

SCHEMA = Schema("protection", ProtectionBase, Path(__file__).with_name("versions"))
