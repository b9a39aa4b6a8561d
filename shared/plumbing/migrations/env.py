"""alembic's environment for every service database: the service's ``Schema`` and an open connection
come in ``config.attributes`` (``shared.plumbing.migrations.alembic_config``), never from an ini file,
so the same revisions run wherever the service's own ``DB_URL`` points. Online only: no SQL scripts."""

from alembic import context

config = context.config
schema = config.attributes["schema"]
connection = config.attributes["connection"]
if connection is None:
    raise RuntimeError("the migrations run on a connection: python -m shared.plumbing.migrate <service>")
context.configure(connection=connection, **schema.context_options(connection))
with context.begin_transaction():
    context.run_migrations()
