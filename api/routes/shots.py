"""A project's shots and every version of each (read from the media store; no run needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.models import Error, ShotVersion, ShotVersions
from api.routes.projects import AUTH_ERRORS, NOT_FOUND, tenant_project
from film_assets.storage.shot_history import stored_shot_codes, version_rows

router = APIRouter(prefix="/projects/{project_id}/shots", tags=["renders"])


@router.get(
    "/{code}/versions",
    response_model=ShotVersions,
    summary="Every version of one shot",
    description="Each render of the shot kept as v001, v002, … oldest first: why it was made (new, changed, "
    "forced), by which run, its prompt, seed and model, and whether the latest final cut uses it.",
    responses={**AUTH_ERRORS, **NOT_FOUND, 409: {"model": Error, "description": "The project has no shot list yet."}},
)
def shot_versions(
    project_id: str, code: str, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)
) -> ShotVersions:
    project = tenant_project(project_id, tenant, app)
    codes = stored_shot_codes(app.store, project.project_id)
    if codes is None:
        raise ApiError(409, f"project {project.project_id} has no shot list yet")
    if code not in codes:
        raise ApiError(
            404,
            f"project {project.project_id} has no shot {code[:40]!r} "
            f"(its {len(codes)} shots run {codes[0]} .. {codes[-1]})"
            if codes
            else f"project {project.project_id} has no shots",
        )
    rows = version_rows(app.store, project.project_id, code)
    return ShotVersions(project_id=project.project_id, code=code, versions=[ShotVersion(**row) for row in rows])
