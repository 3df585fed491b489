"""Re-render a project (whole, some assets, some shots) and download its final cut."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.media import PARTS, deliver
from api.models import Accepted, Error, PresignedDownload, RenderOrder
from api.routes.projects import AUTH_ERRORS, NOT_FOUND, tenant_project
from api.submissions import order_rerender

router = APIRouter(prefix="/projects/{project_id}", tags=["renders"])


@router.post(
    "/renders",
    status_code=202,
    response_model=Accepted,
    summary="Re-render a project",
    description="Queue a re-render of the whole project, of some assets, or of listed shots (unknown shot "
    "codes are refused with 422 naming them). Shots whose render key is unchanged are reused.",
    responses={
        **AUTH_ERRORS,
        **NOT_FOUND,
        409: {"model": Error, "description": "Shots listed before the project has a shot list."},
        422: {"model": Error, "description": "Unknown shot codes or assets."},
    },
)
def rerender(
    project_id: str,
    order: RenderOrder | None = Body(None),
    tenant: str = Depends(current_tenant),
    app: ApiClients = Depends(api_clients),
):
    project = tenant_project(project_id, tenant, app)
    accepted = order_rerender(app, tenant, project.project_id, order or RenderOrder())
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": accepted.status_url})


@router.get(
    "/final-cut",
    response_model=PresignedDownload,
    summary="Download the final cut",
    description="With media on S3: a presigned URL to GET the file. With a local media store: the file "
    "itself. 404 until the project's final cut is rendered; 409 while its latest run is stopped by a "
    "blocking QC check (GET /projects/{id} names the checks and what they measured).",
    responses={
        200: {"content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}},
        **AUTH_ERRORS,
        **NOT_FOUND,
        409: {"model": Error, "description": "The latest run failed QC: the film is not delivered."},
    },
)
def final_cut(
    project_id: str,
    part: Literal[PARTS] = Query(  # type: ignore[valid-type]
        "video", description="The film, its subtitles or its timeline."
    ),
    tenant: str = Depends(current_tenant),
    app: ApiClients = Depends(api_clients),
):
    project = tenant_project(project_id, tenant, app)
    return deliver(app, project.project_id, part)
