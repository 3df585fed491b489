"""The contract between the API and Dagster: the render request message carried by SQS, and the
run tags both sides read. Plain pydantic, nothing of Dagster's, so `api/` can import it cheaply.

A message is versioned (`schema_version`); a consumer refuses versions it does not know rather
than guessing, so an old sensor never misreads a newer API's message.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from film_assets.asset_names import ASSET_NAMES  # the assets a render request may name
from film_assets.domain.projects.ids import validate_project_id

SCHEMA_VERSION = 1


# Run tags: the sensor writes them, the API filters runs by them.
JOB_ID_TAG = "filmstudio/job_id"
TENANT_TAG = "filmstudio/tenant"
ACTION_TAG = "filmstudio/action"
SHOTS_TAG = "filmstudio/shots"  # shots to render again as new versions, comma-separated
NEW_SEED_TAG = "filmstudio/new_seed"  # "true": those shots also get new seeds
PRIORITY_TAG = "dagster/priority"  # read by Dagster's QueuedRunCoordinator: higher runs first

PRIORITY_MIN, PRIORITY_MAX = -100, 100
SHOT_CODE_PATTERN = r"^SQ\d{3}_SH\d{3}$"


class RenderRequest(BaseModel):
    """One SQS message: render (or re-render) one project from its stored screenplay."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    job_id: str = Field(description="Unique per request; becomes the run key, so a redelivery never runs twice.")
    project_id: str = Field(description="The project's partition key (a slug).")
    tenant: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    action: Literal["render", "rerender", "dailies"]
    assets: list[str] | None = Field(default=None, description="Only these assets (default: the whole graph).")
    shots: list[str] | None = Field(default=None, description="Shots to render again as new versions, for a re-render.")
    new_seed: bool = Field(default=False, description="Give the listed shots new seeds.")
    unreviewed: bool = Field(default=False, description="Dailies of takes nobody has reviewed yet only.")
    since: datetime | None = Field(default=None, description="Dailies of takes made at or after this time only.")
    priority: int = Field(
        default=0, ge=PRIORITY_MIN, le=PRIORITY_MAX, description="Dagster run priority: higher is dequeued first."
    )
    submitted_at: datetime
    screenplay_key: str = Field(description="MediaStore key of the stored Fountain text.")

    @field_validator("job_id")
    @classmethod
    def _job_id_is_uuid(cls, value: str) -> str:
        return str(uuid.UUID(value))

    @field_validator("project_id")
    @classmethod
    def _project_id_is_slug(cls, value: str) -> str:
        return validate_project_id(value)

    @field_validator("assets")
    @classmethod
    def _assets_are_known(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            unknown = sorted(set(value) - set(ASSET_NAMES))
            if unknown or not value:
                raise ValueError(f"unknown assets {unknown or '[]'}: choose from {', '.join(ASSET_NAMES)}")
        return value

    @field_validator("shots")
    @classmethod
    def _shots_are_codes(cls, value: list[str] | None) -> list[str] | None:
        import re

        if value is not None:
            bad = [code for code in value if not re.fullmatch(SHOT_CODE_PATTERN, code)]
            if bad or not value:
                raise ValueError(f"shot codes {bad or '[]'} are not like SQ010_SH020")
        return value

    @model_validator(mode="after")
    def _shots_only_for_rerender(self) -> RenderRequest:
        if self.shots and self.action != "rerender":
            raise ValueError("shots may only be listed for action 'rerender'")
        if self.new_seed and not self.shots:
            raise ValueError("new_seed needs shots: say which shots get new seeds")
        if (self.unreviewed or self.since) and self.action != "dailies":
            raise ValueError("unreviewed and since choose the takes of action 'dailies' only")
        if self.action == "dailies" and self.assets:
            raise ValueError("action 'dailies' makes the dailies asset: it takes no assets")
        return self

    def dailies_config(self) -> dict:
        """The dailies asset's run config for this request (action 'dailies')."""
        return {"unreviewed": self.unreviewed, "since": self.since.isoformat() if self.since else ""}

    def to_body(self) -> str:
        return self.model_dump_json()

    def run_tags(self) -> dict[str, str]:
        tags = {
            JOB_ID_TAG: self.job_id,
            TENANT_TAG: self.tenant,
            ACTION_TAG: self.action,
            PRIORITY_TAG: str(self.priority),
        }
        if self.shots:
            tags[SHOTS_TAG] = ",".join(self.shots)
        if self.new_seed:
            tags[NEW_SEED_TAG] = "true"
        return tags


def new_render_request(
    project_id: str,
    tenant: str,
    screenplay_key: str,
    action: str = "render",
    assets: list[str] | None = None,
    shots: list[str] | None = None,
    priority: int = 0,
    new_seed: bool = False,
    unreviewed: bool = False,
    since: datetime | None = None,
) -> RenderRequest:
    return RenderRequest(
        job_id=str(uuid.uuid4()),
        project_id=project_id,
        tenant=tenant,
        action=action,
        assets=assets,
        shots=shots,
        priority=priority,
        new_seed=new_seed,
        unreviewed=unreviewed,
        since=since,
        submitted_at=datetime.now(UTC),
        screenplay_key=screenplay_key,
    )
