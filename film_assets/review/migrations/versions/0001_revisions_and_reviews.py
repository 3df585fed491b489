"""Script revisions and reviews of takes.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "filmstudio_revisions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("lines_added", sa.Integer, nullable=False),
        sa.Column("lines_removed", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "number", name="uq_filmstudio_revisions_project_number"),
    )
    op.create_index("ix_filmstudio_revisions_tenant_project", "filmstudio_revisions", ["tenant", "project_id"])
    op.create_table(
        "filmstudio_reviews",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(63), nullable=False),
        sa.Column("shot_code", sa.String(32), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('approved', 'rejected', 'changes_requested')", name="ck_filmstudio_reviews_state"
        ),
    )
    op.create_index("ix_filmstudio_reviews_tenant_project", "filmstudio_reviews", ["tenant", "project_id", "shot_code"])


def downgrade() -> None:
    op.drop_table("filmstudio_reviews")
    op.drop_table("filmstudio_revisions")
