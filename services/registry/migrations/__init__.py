"""The registry database's schema: its models and its alembic revisions (``versions/``), applied at start
(``shared.plumbing.db.Database``) and by ``python -m shared.plumbing.migrate registry``."""

from pathlib import Path

from services.registry.orm import RegistryBase
from shared.plumbing.migrations import Schema

SCHEMA = Schema("registry", RegistryBase, Path(__file__).with_name("versions"))
