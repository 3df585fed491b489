"""The API's own tables, in Dagster's Postgres database beside its storage, prefixed `filmstudio_`.

Dagster keeps runs and lineage; these keep what only the API knows: who may call it (hashed keys),
which tenant owns which project, and every request it queued (jobs).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    text,
)
from sqlalchemy.engine import Engine

from resources.profiles import psycopg2_url

metadata = MetaData()

api_keys = Table(
    "filmstudio_api_keys",
    metadata,
    # SHA-256 hex of the key: the lookup is one primary-key probe per request
    Column("key_sha256", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False, index=True),
    Column("key_prefix", String(16), nullable=False),  # to tell keys apart in logs and support
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# one row per tenant: its rate limit's theoretical arrival time, epoch seconds (api/rate_limit.py)
rate_limits = Table(
    "filmstudio_rate_limits",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("tat", Float, nullable=False),
)

projects = Table(
    "filmstudio_projects",
    metadata,
    Column("project_id", String(63), primary_key=True),  # the global Dagster partition key
    Column("tenant", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("source_name", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
# GET /projects is one range scan of this index:
# WHERE tenant = ? AND (created_at, project_id) < (?, ?) ORDER BY created_at DESC, project_id DESC LIMIT n
Index(
    "ix_filmstudio_projects_tenant_created",
    projects.c.tenant,
    projects.c.created_at.desc(),
    projects.c.project_id.desc(),
)

jobs = Table(
    "filmstudio_jobs",
    metadata,
    Column("job_id", String(36), primary_key=True),  # the SQS message's job_id, the run's run_key
    Column("project_id", String(63), ForeignKey("filmstudio_projects.project_id", ondelete="CASCADE"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("assets", JSON, nullable=True),
    Column("shots", JSON, nullable=True),
    Column("priority", Integer, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
)
Index("ix_filmstudio_jobs_project_submitted", jobs.c.project_id, jobs.c.submitted_at.desc())


def api_engine(postgres_url: str, pool_size: int = 5) -> Engine:
    """A pooled engine on the psycopg2 driver (a bare postgresql:// would pick psycopg 3)."""
    return create_engine(
        psycopg2_url(postgres_url),
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"connect_timeout": 5},
    )


def create_tables(engine: Engine) -> None:
    """Create the tables and indexes that are missing (safe to call from several processes)."""
    with engine.begin() as connection:
        # two processes starting at once must not both try to CREATE the same table
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('filmstudio_api_tables'))"))
        metadata.create_all(connection, checkfirst=True)
