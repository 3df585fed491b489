"""The review tables: script revisions and reviews of takes, prefixed `filmstudio_` beside
Dagster's own tables (same Postgres database in service mode; a SQLite file locally).

These tables are created and changed only by the migrations in film_assets/review/migrations;
this module is what the code reads and writes through, and a test holds the two to one shape.
Both tables are append-only: a revision or a review, once written, is never updated.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

REVIEW_STATES = ("approved", "rejected", "changes_requested")
PENDING = "pending"  # a take nobody reviewed yet has no row: pending is the absence of one

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; Postgres gets a bigint identity
_ID = BigInteger().with_variant(Integer(), "sqlite")

revisions = Table(
    "filmstudio_revisions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("tenant", String(64), nullable=False),
    Column("project_id", String(63), nullable=False),
    Column("number", Integer, nullable=False),  # r001 is 1
    Column("source_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("diff", Text, nullable=False),  # unified diff to the revision before ('' for r001)
    Column("lines_added", Integer, nullable=False),
    Column("lines_removed", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("project_id", "number", name="uq_filmstudio_revisions_project_number"),
)
Index("ix_filmstudio_revisions_tenant_project", revisions.c.tenant, revisions.c.project_id)

reviews = Table(
    "filmstudio_reviews",
    metadata,
    # the order of reviews: with two at once, the higher id is the later write and wins
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("tenant", String(64), nullable=False),
    Column("project_id", String(63), nullable=False),
    Column("shot_code", String(32), nullable=False),
    Column("version", String(16), nullable=False),
    Column("state", String(24), nullable=False),
    Column("note", Text, nullable=False),
    Column("reviewer", String(100), nullable=False),
    Column("pinned", Boolean, nullable=False),  # the take stays in the cut even if its shot's inputs change
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("state IN ('approved', 'rejected', 'changes_requested')", name="ck_filmstudio_reviews_state"),
)
Index("ix_filmstudio_reviews_tenant_project", reviews.c.tenant, reviews.c.project_id, reviews.c.shot_code)
