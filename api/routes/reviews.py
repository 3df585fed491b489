"""Script revisions and reviews of takes: the tenant's own, in the review tables beside Dagster's."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.models import Accepted, Error
from api.review_models import ProjectTakes, Review, ReviewOrder, Revisions, TakeReviews
from api.routes.projects import AUTH_ERRORS, NOT_FOUND, SUBMIT_BODY, tenant_project
from api.submissions import accept_revision
from api.uploads import read_upload
from film_assets.domain.shots.take_choice import take_states
from film_assets.review.local import UnknownTake, check_take
from film_assets.review.reviews import add_review, project_reviews
from film_assets.review.revisions import list_revisions
from film_assets.review.takes import marks_by_shot, takes_report

router = APIRouter(prefix="/projects/{project_id}", tags=["review"])

NO_TAKE = {404: {"model": Error, "description": "No such project, shot or take for this tenant."}}


def _take(app: ApiClients, tenant: str, project_id: str, code: str, version: str) -> tuple[str, str]:
    project = tenant_project(project_id, tenant, app).project_id
    try:
        return project, check_take(app.store, project, code, version)
    except UnknownTake as error:
        raise ApiError(404, str(error)) from None


@router.get(
    "/revisions",
    response_model=Revisions,
    summary="The project's screenplay revisions",
    description="Every screenplay submitted for the project (r001, r002, …) with its diff to the one before.",
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
def revisions(project_id: str, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)):
    project = tenant_project(project_id, tenant, app)
    rows = list_revisions(app.engine, tenant, project.project_id)
    return Revisions(project_id=project.project_id, revisions=[row.to_json() for row in rows])


@router.post(
    "/revisions",
    status_code=202,
    response_model=Accepted,
    openapi_extra=SUBMIT_BODY,
    summary="Submit a revised screenplay and render it",
    description="Keep the screenplay as the project's next revision and queue its render: shots whose inputs "
    "are unchanged are reused. `POST /projects/{id}/plan` says beforehand what it would render.",
    responses={
        **AUTH_ERRORS,
        **NOT_FOUND,
        413: {"model": Error, "description": "Body over the upload limit."},
        422: {"model": Error, "description": "Not a screenplay (the message names the line)."},
        503: {"model": Error, "description": "Storage or queue unavailable; nothing was queued."},
    },
)
async def revise(
    project_id: str, request: Request, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)
):
    project = await run_in_threadpool(tenant_project, project_id, tenant, app)
    upload = await read_upload(request, app.settings.max_upload_bytes)
    accepted = await run_in_threadpool(accept_revision, app, tenant, project.project_id, upload)
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": accepted.status_url})


@router.get(
    "/takes",
    response_model=ProjectTakes,
    summary="Every shot's takes, their review states and the take the cut uses",
    responses={**AUTH_ERRORS, **NOT_FOUND, 409: {"model": Error, "description": "The project has no takes yet."}},
)
def takes(project_id: str, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)):
    project = tenant_project(project_id, tenant, app)
    shots = takes_report(app.store, project.project_id, project_reviews(app.engine, project.project_id, tenant))
    if shots is None:
        raise ApiError(409, f"project {project.project_id} has no takes yet")
    return ProjectTakes(project_id=project.project_id, shots=shots)


@router.post(
    "/shots/{code}/versions/{version}/reviews",
    status_code=201,
    response_model=Review,
    summary="Review a take",
    description="Append a review (approved, rejected, changes_requested; optionally pinned) to the take's history. "
    "Nothing is overwritten: of two approvals of one shot, the later is the shot's approval and both are kept. "
    "The next render of the project builds its cut from the approved takes.",
    responses={**AUTH_ERRORS, **NO_TAKE, 422: {"model": Error, "description": "A state or field out of range."}},
)
def review(
    project_id: str,
    code: str,
    version: str,
    order: ReviewOrder,
    tenant: str = Depends(current_tenant),
    app: ApiClients = Depends(api_clients),
):
    project, version = _take(app, tenant, project_id, code, version)
    if order.pinned and order.state != "approved":
        raise ApiError(422, "only an approved take can be pinned: send state 'approved' with pinned")
    saved = add_review(
        app.engine, tenant, project, code, version, order.state, order.note, order.reviewer, order.pinned
    )
    return JSONResponse(Review(**saved.to_json()).model_dump(mode="json"), status_code=201)


@router.get(
    "/shots/{code}/versions/{version}/reviews",
    response_model=TakeReviews,
    summary="A take's review state and history",
    responses={**AUTH_ERRORS, **NO_TAKE},
)
def take_reviews(
    project_id: str,
    code: str,
    version: str,
    tenant: str = Depends(current_tenant),
    app: ApiClients = Depends(api_clients),
):
    project, version = _take(app, tenant, project_id, code, version)
    history = [review for review in project_reviews(app.engine, project, tenant) if review.shot_code == code]
    latest = take_states(marks_by_shot(history).get(code, [])).get(version)
    return TakeReviews(
        project_id=project,
        shot=code,
        version=version,
        state=latest.state if latest else "pending",
        reviews=[review.to_json() for review in history if review.version == version],
    )
