"""Request and response bodies of /backfills (kept beside api/models.py, which the other routes own)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from film_assets.asset_names import ASSET_NAMES
from film_assets.run_states import RUN_STATES

MAX_PROJECTS = 10_000

BackfillState = Literal[RUN_STATES]  # type: ignore[valid-type]


class BackfillOrder(BaseModel):
    """Which of your projects to re-render: listed ones, or all of them; every asset by default."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"projects": ["night-shift-3f9a2c", "lighthouse-0b1c2d"], "assets": ["keyframes"]},
                {"all": True},
            ]
        },
    )

    projects: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_PROJECTS, description="Project ids (default: none; or send `all`)."
    )
    all: bool = Field(default=False, description="Every project of yours that has started rendering.")
    assets: list[Literal[ASSET_NAMES]] | None = Field(  # type: ignore[valid-type]
        default=None,
        min_length=1,
        description="These assets and everything downstream of them (default: the whole graph). Shots whose "
        "render key is unchanged are reused either way.",
    )

    @model_validator(mode="after")
    def _projects_or_all(self) -> BackfillOrder:
        if (self.projects is None) == (not self.all):
            raise ValueError("send either `projects` (a list of ids) or `all: true`, not both")
        return self


class BackfillAccepted(BaseModel):
    backfill_id: str = Field(description="Dagster's backfill id; the Dagster UI shows it at /runs/b/<id>.")
    projects: list[str] = Field(description="The projects it re-renders, one run each.")
    assets: list[str] = Field(description="The assets it materializes, in graph order.")
    skipped: list[str] = Field(
        default_factory=list,
        description="With `all`: your projects left out because their first render has "
        "not started yet (they have no Dagster partition).",
    )
    status_url: str


class BackfillRuns(BaseModel):
    total: int = Field(description="Runs launched so far (one per project once it is under way).")
    finished: int
    failed: int = Field(description="Runs that failed or were canceled.")


class BackfillStatus(BaseModel):
    backfill_id: str
    status: str = Field(
        description="Dagster's backfill status: REQUESTED, COMPLETED_SUCCESS, COMPLETED_FAILED, "
        "FAILED, CANCELING, CANCELED, ..."
    )
    state: BackfillState
    projects: list[str]
    assets: list[str]
    runs: BackfillRuns
    created_at: float = Field(description="Unix time it was requested.")
    ended_at: float | None = None
    error: str | None = Field(default=None, description="Why Dagster failed it, if it did.")
