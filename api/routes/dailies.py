"""Dailies through the API: order a review reel of a project's takes (a make_dailies run, queued
like a render) and fetch the latest one."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Body, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.media import presigned
from api.models import Accepted, Error, PresignedDownload, Priority
from api.routes.projects import AUTH_ERRORS, NOT_FOUND, tenant_project
from api.submissions import enqueue_dailies
from film_assets.assets.dailies import takes_to_review
from film_assets.review.dailies import latest_dailies

router = APIRouter(prefix="/projects/{project_id}/dailies", tags=["review"])


class DailiesOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unreviewed: bool = Field(default=False, description="Only takes nobody has reviewed yet.")
    since: datetime | None = Field(default=None, description="Only takes made at or after this time (UTC if no zone).")
    priority: int = Priority


class Dailies(BaseModel):
    project_id: str
    reel: str = Field(description="When it was made (UTC), also its folder's name.")
    made_at: str
    take_count: int
    slate_count: int
    frames: int
    duration_s: float
    filter: dict = Field(description="The takes it shows: unreviewed, since.")
    takes: list[dict] = Field(
        description="Each take in reel order: code, version, state, start_frame, frames, burn-in."
    )
    video: PresignedDownload | None = Field(description="The reel (MP4); null with a local media store.")
    contact_sheet: PresignedDownload | None = Field(description="Every take on one image (JPEG).")


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    summary="Make a dailies reel",
    description="Queue a make_dailies run: a reel of the project's takes (all, unreviewed, or made since a "
    "time), each with a burn-in, a slate per scene and a contact sheet. 422 when the filter leaves no takes "
    "(nothing is queued). GET /projects/{id}/dailies fetches the newest reel once the run is done.",
    responses={**AUTH_ERRORS, **NOT_FOUND, 422: {"model": Error, "description": "No takes match the filter."}},
)
async def order(
    project_id: str,
    body: DailiesOrder | None = Body(None),
    tenant: str = Depends(current_tenant),
    app: ApiClients = Depends(api_clients),
):
    body = body or DailiesOrder()
    project = await run_in_threadpool(tenant_project, project_id, tenant, app)
    try:  # the same choice the run makes, so an empty reel is refused before anything is queued
        await run_in_threadpool(takes_to_review, app.store, app.engine, project.project_id, body.unreviewed, body.since)
    except ValueError as error:
        raise ApiError(422, str(error)) from None
    accepted = await run_in_threadpool(
        enqueue_dailies, app, tenant, project.project_id, body.unreviewed, body.since, body.priority
    )
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": f"/projects/{project_id}/dailies"})


@router.get(
    "",
    response_model=Dailies,
    summary="The newest dailies reel",
    responses={**AUTH_ERRORS, **NOT_FOUND, 404: {"model": Error, "description": "No such project, or no dailies yet."}},
)
def newest(project_id: str, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)):
    project = tenant_project(project_id, tenant, app)
    record = latest_dailies(app.store, project.project_id)
    if record is None:
        raise ApiError(404, f"project {project.project_id} has no dailies yet: POST /projects/{project_id}/dailies")
    return Dailies(
        project_id=project.project_id,
        **{name: record[name] for name in ("reel", "made_at", "take_count", "slate_count", "frames", "duration_s")},
        filter=record.get("filter", {}),
        takes=record["takes"],
        video=presigned(app, record["video"]),
        contact_sheet=presigned(app, record["contact_sheet"]),
    )
