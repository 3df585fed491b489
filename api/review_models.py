"""Request and response bodies of the review routes: revisions, reviews of takes, takes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from film_assets.review.reviews import NOTE_MAX, REVIEWER_MAX


class Revision(BaseModel):
    revision: str = Field(description="r001, r002, … in the order they were submitted.")
    number: int
    source_name: str
    sha256: str = Field(description="SHA-256 of the screenplay's text.")
    lines_added: int = Field(description="Lines added since the revision before.")
    lines_removed: int
    created_at: datetime
    diff: str = Field(description="Unified diff to the revision before ('' for r001).")


class Revisions(BaseModel):
    project_id: str
    revisions: list[Revision] = Field(description="Oldest first.")


class ReviewOrder(BaseModel):
    """One review of one take."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["approved", "rejected", "changes_requested"]
    note: str = Field(default="", max_length=NOTE_MAX, description="What to change, or why.")
    reviewer: str = Field(min_length=1, max_length=REVIEWER_MAX, description="Who reviewed it.")
    pinned: bool = Field(
        default=False,
        description="Pin the take (with state approved): the cut keeps it even if the shot's picture inputs "
        "change, as long as its length still fits the shot.",
    )


class Review(BaseModel):
    id: int = Field(description="The review's place in the project's history: with two at once, the higher wins.")
    shot: str
    version: str
    state: str
    note: str
    reviewer: str
    pinned: bool
    created_at: datetime


class TakeReviews(BaseModel):
    project_id: str
    shot: str
    version: str
    state: str = Field(description="pending until reviewed; then the latest review's state.")
    reviews: list[Review] = Field(description="Every review of the take, oldest first.")


class OutdatedReview(BaseModel):
    version: str
    kind: Literal["approval", "pin"]
    reviewer: str
    reviewed_at: str
    reason: str = Field(description="Why it no longer fits the shot (what changed).")


class Take(BaseModel):
    version: str
    state: str
    pinned: bool
    reason: str = Field(description="Why the take was made: new, changed or forced.")
    created_at: str
    matches_shot: bool = Field(description="Made from the shot's current words, timing and picture inputs.")
    cut_follows: bool = Field(description="The cut uses this take (once rebuilt).")
    in_latest_cut: bool = Field(description="The latest final cut has this take.")
    reviews: list[Review]


class ShotTakes(BaseModel):
    code: str
    cut_follows: str = Field(description="The take the cut uses now.")
    source: Literal["pinned", "approved", "newest"] = Field(description="Why the cut uses it.")
    state: str
    in_latest_cut: str | None = Field(description="The take the latest final cut has (null before one).")
    outdated: list[OutdatedReview] = Field(description="Approvals or pins that no longer fit the shot.")
    takes: list[Take]


class ProjectTakes(BaseModel):
    project_id: str
    shots: list[ShotTakes]
