"""Reviews of takes: every review is a new row (approved, rejected, changes requested, with a
note, the reviewer, a time and whether it pins the take); nothing is overwritten, so the history
of a take is its rows in order. A take without a review is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from film_assets.review.tables import REVIEW_STATES, reviews

NOTE_MAX = 4000
REVIEWER_MAX = 100


@dataclass(frozen=True)
class Review:
    id: int
    shot_code: str
    version: str
    state: str
    note: str
    reviewer: str
    pinned: bool
    created_at: datetime

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "shot": self.shot_code,
            "version": self.version,
            "state": self.state,
            "note": self.note,
            "reviewer": self.reviewer,
            "pinned": self.pinned,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


def _review(row) -> Review:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite drops it
    return Review(row.id, row.shot_code, row.version, row.state, row.note, row.reviewer, row.pinned, created)


def check_review(state: str, note: str, reviewer: str) -> None:
    """Refuse what the table would not keep, in words (a ValueError the callers turn into 422/exit 2)."""
    if state not in REVIEW_STATES:
        raise ValueError(f"review state {state!r} is not one of {', '.join(REVIEW_STATES)}")
    if len(note) > NOTE_MAX:
        raise ValueError(f"the note is {len(note)} characters; at most {NOTE_MAX}")
    if not reviewer.strip() or len(reviewer) > REVIEWER_MAX:
        raise ValueError(f"the reviewer's name must be 1 to {REVIEWER_MAX} characters")


def add_review(
    engine: Engine,
    tenant: str,
    project: str,
    code: str,
    version: str,
    state: str,
    note: str = "",
    reviewer: str = "",
    pinned: bool = False,
) -> Review:
    """Append one review of one take; return it with its place in the history (its id)."""
    check_review(state, note, reviewer)
    row = {
        "tenant": tenant,
        "project_id": project,
        "shot_code": code,
        "version": version,
        "state": state,
        "note": note,
        "reviewer": reviewer.strip(),
        "pinned": pinned,
        "created_at": datetime.now(UTC),
    }
    with engine.begin() as connection:
        review_id = connection.execute(insert(reviews).values(**row).returning(reviews.c.id)).scalar_one()
    return Review(review_id, code, version, state, note, row["reviewer"], pinned, row["created_at"])


def project_reviews(engine: Engine, project: str, tenant: str | None = None) -> list[Review]:
    """Every review of the project's takes in the order they were written. A run's step reads
    by project alone (a project id belongs to one tenant); the CLI and the API pass the tenant."""
    query = select(reviews).where(reviews.c.project_id == project)
    if tenant is not None:
        query = query.where(reviews.c.tenant == tenant)
    with engine.connect() as connection:
        return [_review(row) for row in connection.execute(query.order_by(reviews.c.id))]
