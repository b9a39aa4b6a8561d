"""Reporting's database schema: its models and its alembic revisions (``versions/``), applied at start
(``shared.plumbing.db.Database``) and by ``python -m shared.plumbing.migrate reporting``. A rebuild's
``<table>_rebuild`` tables and ``*_rb`` indexes (``services.reporting.bulk_tables``) live only
until its switch: they are not part of the schema. Its models are ``orm.py``'s and the programme
source's tables, both imported here so that the metadata the revisions are compared with is whole."""

from pathlib import Path

from services.reporting.bulk_tables import NEW, NEW_INDEX
from services.reporting.orm import ReportingBase
from services.reporting.sources.programme import tables  # noqa: F401  (its tables are ReportingBase's)
from shared.plumbing.migrations import Schema

SCHEMA = Schema("reporting", ReportingBase, Path(__file__).with_name("versions"), transient=(NEW, NEW_INDEX))
