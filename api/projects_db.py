"""Projects and jobs in the API's tables: every read is scoped to one tenant.

The listing is keyset-paginated on (created_at, project_id), newest first: each page is one range
scan of ix_filmstudio_projects_tenant_created, however deep the page, and rows added meanwhile
neither repeat nor vanish between pages (an OFFSET would do both).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from api.tables import jobs, projects
from film_assets.contract import RenderRequest
from film_assets.domain.projects.ids import validate_project_id

JOBS_SHOWN = 50


class BadCursor(ValueError):
    """A pagination cursor this API did not issue."""


@dataclass(frozen=True)
class ProjectRow:
    project_id: str
    tenant: str
    title: str
    source_name: str
    created_at: datetime


def encode_cursor(row: ProjectRow) -> str:
    raw = json.dumps([row.created_at.isoformat(), row.project_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, project_id = json.loads(raw)
        when = datetime.fromisoformat(created)
        if when.tzinfo is None:
            raise ValueError
        return when, validate_project_id(project_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise BadCursor(
            f"cursor {cursor[:40]!r} is not one this API issued: pass next_cursor from the previous page unchanged"
        ) from None


def insert_project(connection: Connection, row: ProjectRow) -> bool:
    """Insert the project; False if its id is taken (the caller draws another suffix)."""
    try:
        with connection.begin_nested():
            connection.execute(insert(projects).values(**row.__dict__))
        return True
    except IntegrityError:
        return False


def insert_job(connection: Connection, request: RenderRequest) -> None:
    connection.execute(
        insert(jobs).values(
            job_id=request.job_id,
            project_id=request.project_id,
            action=request.action,
            assets=request.assets,
            shots=request.shots,
            priority=request.priority,
            submitted_at=request.submitted_at,
        )
    )


def list_projects(engine: Engine, tenant: str, limit: int, cursor: str | None) -> tuple[list[ProjectRow], str | None]:
    """One page, newest first, and the cursor of the next page (None on the last)."""
    query = select(projects).where(projects.c.tenant == tenant)
    if cursor:
        created_at, project_id = decode_cursor(cursor)
        # written as the index's own order, so Postgres walks the index from the cursor on
        query = query.where(
            or_(
                projects.c.created_at < created_at,
                and_(projects.c.created_at == created_at, projects.c.project_id < project_id),
            )
        )
    query = query.order_by(projects.c.created_at.desc(), projects.c.project_id.desc()).limit(limit + 1)
    with engine.connect() as connection:
        rows = [ProjectRow(**row._mapping) for row in connection.execute(query)]
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1])
    return rows, None


def get_project(engine: Engine, tenant: str, project_id: str) -> ProjectRow | None:
    """The tenant's project, or None: another tenant's project is as absent as a missing one."""
    with engine.connect() as connection:
        row = connection.execute(
            select(projects).where(projects.c.project_id == project_id, projects.c.tenant == tenant)
        ).first()
    return ProjectRow(**row._mapping) if row else None


def project_jobs(engine: Engine, project_id: str, limit: int = JOBS_SHOWN) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(jobs).where(jobs.c.project_id == project_id).order_by(jobs.c.submitted_at.desc()).limit(limit)
        )
        return [dict(row._mapping) for row in rows]
