"""The review database: Postgres in the service profiles (Dagster's own database, our tables
prefixed `filmstudio_`), a SQLite file under FILMSTUDIO_HOME locally. Its tables are made and
upgraded by the Alembic migrations beside this module, the first time a process opens it.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from resources.profiles import psycopg2_url
from resources.review_db import local_review_url

LOCAL_TENANT = "local"  # a laptop has one studio: every local review and revision is its
MIGRATIONS = Path(__file__).with_name("migrations")

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def review_database_url(environment) -> str:
    """Where this environment keeps its reviews and revisions."""
    if environment.uses_services:
        return psycopg2_url(environment.service.postgres_url)
    return local_review_url(environment.home)


def review_engine(url: str) -> Engine:
    """One engine per database per process, its tables migrated to the newest version."""
    if not url.startswith("sqlite"):
        url = psycopg2_url(url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _make_engine(url)
            migrate(engine)
            _engines[url] = engine
        return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # the CLI and `filmstudio ui` may write at once: wait for the lock rather than fail
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(connection, _record):  # readers never wait for a writer
            connection.execute("PRAGMA journal_mode=WAL")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_recycle=1800, connect_args={"connect_timeout": 5})


def migrate(engine: Engine) -> None:
    """Run the migrations not yet applied (safe from several processes at once)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # two processes starting at once must not both create the tables: Postgres serialises them
    # with an advisory lock, SQLite with a lock file beside the database
    with _file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('filmstudio_review_migrations'))"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _file_lock(engine: Engine):
    if engine.dialect.name != "sqlite":
        return nullcontext()
    from filelock import FileLock

    return FileLock(f"{engine.url.database}.migrate.lock", timeout=60)


def schema_version(engine: Engine) -> str | None:
    """The migration the database is at (None before the first)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": "filmstudio_alembic_version"})
        return context.get_current_revision()
