"""Submit a screenplay, list the tenant's projects, read one project's status and lineage."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.models import Accepted, Error, ProjectPage, ProjectStatus, ProjectSummary
from api.projects_db import BadCursor, ProjectRow, get_project, list_projects, project_jobs
from api.status import project_status
from api.submissions import accept_screenplay
from api.uploads import read_upload
from film_assets.domain.projects.ids import InvalidProjectId, validate_project_id

router = APIRouter(prefix="/projects", tags=["projects"])

AUTH_ERRORS = {
    401: {"model": Error, "description": "Missing, unknown or revoked API key."},
    429: {
        "model": Error,
        "description": "The tenant is over its rate limit; the Retry-After header says when to try again.",
    },
}
NOT_FOUND = {404: {"model": Error, "description": "No such project for this tenant."}}
MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The Fountain file (UTF-8)."},
        "title": {"type": "string", "maxLength": 200},
        "priority": {"type": "integer", "minimum": -100, "maximum": 100, "default": 0},
        "settings": {"type": "string", "description": 'DeliverySettings as a JSON object, e.g. {"width": 640}.'},
    },
}
SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SubmitScreenplay"}},
            "multipart/form-data": {"schema": MULTIPART_SCHEMA},
        },
    }
}


def tenant_project(project_id: str, tenant: str, app: ApiClients) -> ProjectRow:
    """The caller's project or 404 (another tenant's project is not acknowledged to exist)."""
    try:
        validate_project_id(project_id)
    except InvalidProjectId:
        raise ApiError(404, f"no project {project_id[:80]!r}") from None
    project = get_project(app.engine, tenant, project_id)
    if project is None:
        raise ApiError(404, f"no project {project_id!r}")
    return project


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    openapi_extra=SUBMIT_BODY,
    summary="Submit a screenplay",
    description="Validate a Fountain screenplay (422 naming the line if it is not one), store it, and queue its "
    'render. Send JSON `{"screenplay": ...}` or a multipart upload with the file in `file`.',
    responses={
        **AUTH_ERRORS,
        413: {"model": Error, "description": "Body over the upload limit."},
        415: {"model": Error, "description": "Neither JSON nor multipart."},
        422: {"model": Error, "description": "Not a screenplay (the message names the line) or bad fields."},
        503: {"model": Error, "description": "Storage or queue unavailable; nothing was queued."},
    },
)
async def submit(request: Request, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)):
    upload = await read_upload(request, app.settings.max_upload_bytes)
    accepted = await run_in_threadpool(accept_screenplay, app, tenant, upload)
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": accepted.status_url})


@router.get(
    "",
    response_model=ProjectPage,
    summary="List your projects, newest first",
    description="Cursor-paginated: pass `next_cursor` as `cursor` for the next page.",
    responses={**AUTH_ERRORS, 400: {"model": Error, "description": "A cursor this API did not issue."}},
)
def list_(
    limit: int = Query(20, ge=1, le=100, description="Projects per page."),
    cursor: str | None = Query(None, max_length=512, description="`next_cursor` of the previous page."),
    tenant: str = Depends(current_tenant),
    app: ApiClients = Depends(api_clients),
) -> ProjectPage:
    try:
        rows, next_cursor = list_projects(app.engine, tenant, limit, cursor)
    except BadCursor as error:
        raise ApiError(400, str(error)) from None
    return ProjectPage(
        items=[
            ProjectSummary(
                project_id=row.project_id,
                title=row.title,
                source_name=row.source_name,
                created_at=row.created_at,
                status_url=f"/projects/{row.project_id}",
            )
            for row in rows
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/{project_id}",
    response_model=ProjectStatus,
    summary="A project's status and lineage",
    description="The latest run's status, each asset's latest materialization and metadata, delivery checks, "
    "per-shot lineage (prompt, seed, renderer, version) and the project's jobs. The state is "
    "'queued' until the newest request has a run.",
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
def status(
    project_id: str, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)
) -> ProjectStatus:
    project = tenant_project(project_id, tenant, app)
    return project_status(project, project_jobs(app.engine, project.project_id), app.dagster, app.store)
