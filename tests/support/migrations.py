"""What the migration tests check on any database: the schema the revisions make against the models
(alembic's ``compare_metadata``: tables, columns with their types and nullability, indexes, unique
constraints, foreign keys), and ways to make a database as an earlier version would have."""

import importlib

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect, text

from shared.plumbing.migrate import SERVICES, schema_of
from shared.plumbing.migrations import BASELINE, Schema, alembic_config

SCHEMAS = [schema_of(service) for service in SERVICES]
for _service in SERVICES:  # the models as the running service has them, whatever else it imports
    importlib.import_module(f"services.{_service}.service")


def drift(engine: Engine, schema: Schema) -> list:
    """Every difference between the database and the service's models (none: no drift)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=schema.context_options(conn))
        return compare_metadata(context, schema.base.metadata)


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def run_revisions(engine: Engine, schema: Schema, target: str, downgrade: bool = False) -> None:
    """Run the revisions themselves (never ``create_all``) up, or down, to ``target``."""
    with engine.begin() as conn:
        (command.downgrade if downgrade else command.upgrade)(alembic_config(schema, conn), target)


def make_before_migrations(engine: Engine, schema: Schema) -> None:
    """The database every deployment made before migrations: the baseline's tables (what the last
    ``create_all`` made; ``create_all`` of today's models would hold later revisions' changes too)
    and no version table."""
    run_revisions(engine, schema, BASELINE)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))


def tables(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def drop_everything(engine: Engine) -> None:
    """Every table of the database, alembic's version table included (PostgreSQL's are shared)."""
    found = MetaData()
    found.reflect(engine)
    found.drop_all(engine)
