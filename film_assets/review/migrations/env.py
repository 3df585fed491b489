"""Alembic's environment for the review tables: runs on the connection database.py hands it.

The version table is ours (`filmstudio_alembic_version`), not Alembic's default: Dagster keeps its
own `alembic_version` in the same Postgres database, and the two histories must not meet.
"""

from alembic import context

from film_assets.review.tables import metadata

VERSION_TABLE = "filmstudio_alembic_version"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
