"""The health database's schema: its models and its alembic revisions (``versions/``), applied at start
(``shared.plumbing.db.Database``) and by ``python -m shared.plumbing.migrate health``."""

from pathlib import Path

from services.health.orm import HealthBase
from shared.plumbing.migrations import Schema

SCHEMA = Schema("health", HealthBase, Path(__file__).with_name("versions"))
