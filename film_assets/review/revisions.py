"""Every screenplay rendered or submitted for a project, kept as a revision (r001, r002, …) with
its unified diff to the one before. The same text again is not a new revision."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from film_assets.review.tables import revisions

ATTEMPTS = 5  # two submissions of one project at once: the loser of a number takes the next


def revision_name(number: int) -> str:
    return f"r{number:03d}"


@dataclass(frozen=True)
class Revision:
    project_id: str
    number: int
    source_name: str
    sha256: str
    lines_added: int
    lines_removed: int
    created_at: datetime
    diff: str = field(default="", repr=False)

    @property
    def name(self) -> str:
        return revision_name(self.number)

    def to_json(self, with_diff: bool = True) -> dict:
        return {
            "revision": self.name,
            "number": self.number,
            "source_name": self.source_name,
            "sha256": self.sha256,
            "lines_added": self.lines_added,
            "lines_removed": self.lines_removed,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            **({"diff": self.diff} if with_diff else {}),
        }


def _revision(row) -> Revision:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite drops it
    return Revision(
        row.project_id, row.number, row.source_name, row.sha256, row.lines_added, row.lines_removed, created, row.diff
    )


def script_diff(before: str, after: str, before_name: str, after_name: str) -> tuple[str, int, int]:
    """The unified diff of two scripts and its lines added and removed."""
    lines = list(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), before_name, after_name, n=2
        )
    )
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines), added, removed


def record_revision(connection: Connection, tenant: str, project: str, text: str, source_name: str) -> Revision:
    """Keep `text` as the project's next revision, or return the latest one if it is the same text."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    for _ in range(ATTEMPTS):
        latest = connection.execute(
            select(revisions)
            .where(revisions.c.project_id == project, revisions.c.tenant == tenant)
            .order_by(revisions.c.number.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.sha256 == digest:
            return _revision(latest)
        number = latest.number + 1 if latest else 1
        diff, added, removed = (
            script_diff(latest.text, text, revision_name(latest.number), revision_name(number))
            if latest
            else ("", text.count("\n") + (0 if text.endswith("\n") else 1), 0)
        )
        row = {
            "tenant": tenant,
            "project_id": project,
            "number": number,
            "source_name": source_name[:255],
            "sha256": digest,
            "text": text,
            "diff": diff,
            "lines_added": added,
            "lines_removed": removed,
            "created_at": datetime.now(UTC),
        }
        try:
            with connection.begin_nested():
                connection.execute(insert(revisions).values(**row))
        except IntegrityError:
            continue  # another submission took this number first
        return Revision(project, number, row["source_name"], digest, added, removed, row["created_at"], diff)
    raise RuntimeError(f"could not record a revision of {project}: too many submissions at once; try again")


def list_revisions(engine: Engine, tenant: str, project: str) -> list[Revision]:
    """The project's revisions, oldest first (empty for another tenant's project)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(revisions)
            .where(revisions.c.project_id == project, revisions.c.tenant == tenant)
            .order_by(revisions.c.number)
        )
        return [_revision(row) for row in rows]


def latest_revision_text(engine: Engine, tenant: str, project: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            select(revisions.c.text)
            .where(revisions.c.project_id == project, revisions.c.tenant == tenant)
            .order_by(revisions.c.number.desc())
            .limit(1)
        ).scalar()
