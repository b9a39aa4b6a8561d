"""The education database's schema: its models and its alembic revisions (``versions/``), applied at start
(``shared.plumbing.db.Database``) and by ``python -m shared.plumbing.migrate education``."""

from pathlib import Path

from services.education.orm import EducationBase
from shared.plumbing.migrations import Schema

SCHEMA = Schema("education", EducationBase, Path(__file__).with_name("versions"))
