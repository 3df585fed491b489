"""POST /projects/{id}/plan: what rendering a revised screenplay would do to a project, said
without rendering, queueing or writing anything."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.models import Error
from api.routes.projects import AUTH_ERRORS, MULTIPART_SCHEMA, NOT_FOUND, tenant_project
from api.submissions import check_upload
from api.uploads import Upload, read_upload
from film_assets.review.reviews import project_reviews
from film_assets.review.takes import reviews_a_plan_outdates

router = APIRouter(prefix="/projects/{project_id}", tags=["review"])

PLAN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["screenplay"],
                    "properties": {"screenplay": {"type": "string", "description": "The revised Fountain text."}},
                }
            },
            "multipart/form-data": {
                "schema": {**MULTIPART_SCHEMA, "properties": {"file": MULTIPART_SCHEMA["properties"]["file"]}}
            },
        },
    }
}


class PlannedShot(BaseModel):
    code: str
    category: str = Field(description="added, removed, changed (picture made again), retimed (clip only), reused.")
    changes: list[str] = Field(description="Among words, timing, prompt, seed, model, camera_move, characters, other.")
    frames_before: int | None
    frames_after: int | None
    seconds_before: float | None
    seconds_after: float | None
    timing_estimated: bool = Field(description="A line it covers was never spoken: its length is estimated.")


class PlanCounts(BaseModel):
    added: int
    removed: int
    changed: int
    retimed: int
    reused: int


class ScriptChange(BaseModel):
    lines_added: int
    lines_removed: int


class ComputeEstimate(BaseModel):
    seconds: float | None = Field(description="Estimated compute seconds; null without measured takes.")
    keyframes: int
    clips: int
    frames: int
    keyframe_takes: int = Field(description="Measured keyframe takes of this project the estimate rests on.")
    clip_takes: int
    keyframe_mean_s: float | None
    clip_s_per_frame: float | None
    devices: list[str]
    basis: str = Field(description="The estimate in words, or why there is none ('no measured takes yet').")


class DurationChange(BaseModel):
    before: float
    after: float


class FrameSettings(BaseModel):
    width: int
    height: int
    fps: float


class OutdatedByPlan(BaseModel):
    code: str
    version: str
    kind: str = Field(description="approval (the shot's clip is made again) or pin (its length changes).")
    reviewer: str


class RevisionPlan(BaseModel):
    project: str
    counts: PlanCounts
    shots_to_render: int = Field(description="Shots whose clip a render of the revision would make.")
    duration_s: DurationChange
    timing_estimated: bool
    script: ScriptChange = Field(description="Lines added and removed against the stored screenplay.")
    compute: ComputeEstimate
    settings: FrameSettings = Field(description="The project's stored frame size and rate, which the plan assumes.")
    shots: list[PlannedShot]
    reviews_outdated: list[OutdatedByPlan] = Field(
        description="Approvals and pins a render of the revision would leave outdated (the cut stops using them)."
    )


@router.post(
    "/plan",
    response_model=RevisionPlan,
    openapi_extra=PLAN_BODY,
    summary="Plan a revision before rendering it",
    description="What rendering this revised screenplay would do: shots added, removed, changed (and what "
    "changed), retimed and reused, with the compute estimated from the project's measured takes. Nothing is "
    'rendered, queued or stored. Send JSON `{"screenplay": ...}` or a multipart upload with the file in `file`; '
    "the project's stored settings apply.",
    responses={
        **AUTH_ERRORS,
        **NOT_FOUND,
        409: {"model": Error, "description": "The project has no shot list yet."},
        415: {"model": Error, "description": "Neither JSON nor multipart."},
        422: {"model": Error, "description": "Not a screenplay (the message names the line) or bad fields."},
    },
)
async def plan(
    project_id: str,
    request: Request,
    tenant: str = Depends(current_tenant),
    app: ApiClients = Depends(api_clients),
) -> RevisionPlan:
    project = await run_in_threadpool(tenant_project, project_id, tenant, app)
    upload = await read_upload(request, app.settings.max_upload_bytes)
    return await run_in_threadpool(_plan, app, tenant, project.project_id, upload)


def _plan(app: ApiClients, tenant: str, project_id: str, upload: Upload) -> RevisionPlan:
    from film_assets.review.planning import NothingToPlanAgainst, media_makers, plan_revision

    checked = check_upload(upload)  # 422 naming the line
    makers = media_makers(app.settings.environment)  # the renderer, animator and voice the runs use
    try:
        planned = plan_revision(app.store, project_id, checked.text, upload.source_name, makers)
    except NothingToPlanAgainst as error:
        raise ApiError(409, str(error)) from None
    except ValueError as error:  # a voice the engine lacks, for instance
        raise ApiError(422, str(error)) from None
    planned = planned.to_json()
    reviews = project_reviews(app.engine, project_id, tenant)
    return RevisionPlan.model_validate(
        {**planned, "reviews_outdated": reviews_a_plan_outdates(planned["shots"], reviews)}
    )
