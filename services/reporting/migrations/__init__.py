"""Reporting's database schema: its models and its alembic revisions (``versions/``), applied at start
(``shared.plumbing.db.Database``) and by ``python -m shared.plumbing.migrate reporting``. A rebuild's
``<table>_rebuild`` tables and ``*_rb`` indexes (``services.reporting.bulk_tables``) live only
until its switch: they are not part of the schema."""

from pathlib import Path

from services.reporting.bulk_tables import NEW, NEW_INDEX
from services.reporting.orm import ReportingBase
from shared.plumbing.migrations import Schema

SCHEMA = Schema("reporting", ReportingBase, Path(__file__).with_name("versions"), transient=(NEW, NEW_INDEX))
