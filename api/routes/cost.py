"""What a project's renders cost: CPU and GPU seconds per take, shot, scene and in all (read from
the shot versions in the media store; no run needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.auth import current_tenant
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.models import Error
from api.routes.projects import AUTH_ERRORS, NOT_FOUND, tenant_project
from film_assets.review.ledger import project_costs
from film_assets.storage.shot_history import stored_shot_codes

router = APIRouter(prefix="/projects/{project_id}", tags=["review"])


class MeasuredCost(BaseModel):
    """What making one keyframe or clip cost, as its take records it."""

    wall_s: float = Field(description="This shot's share of the wall seconds (a batch's time over its size).")
    device: str = Field(description="cpu, cuda or mps.")
    device_name: str = Field(description='The card or processor, e.g. "NVIDIA A10G".')
    model: str = Field(description='The model (hub id or path), or the CPU maker and its version ("storyboard v1").')
    steps: int | None = Field(default=None, description="Denoising steps, for diffusion models.")
    batch_size: int = Field(description="Shots made in the same call.")


class CostSeconds(BaseModel):
    cpu_s: float = Field(description="CostSeconds spent on the CPU.")
    gpu_s: float = Field(description="CostSeconds spent on a GPU (CUDA or MPS).")
    wall_s: float = Field(description="CPU and GPU seconds together.")


class CostCounts(CostSeconds):
    takes: int
    measured_takes: int
    unmeasured_takes: int = Field(description="Takes made before costs were recorded: they add no seconds.")


class TakeCost(CostSeconds):
    code: str
    scene: str
    version: str
    reason: str
    created_at: str
    measured: bool = Field(description="False for a take made before costs were recorded (its seconds are 0).")
    keyframe: MeasuredCost | None = Field(
        description="Its keyframe's cost; null when it reuses an earlier take's keyframe (paid for there)."
    )
    clip: MeasuredCost | None


class NewestTakeCost(CostSeconds):
    version: str


class ShotCost(CostCounts):
    code: str
    scene: str
    newest_measured: NewestTakeCost | None = Field(
        description="The newest measured take: what one more is likely to cost."
    )


class SceneCost(CostCounts):
    scene: str = Field(description="The shot codes' sequence part, e.g. SQ010.")
    heading: str | None = Field(description="The scene heading, or null for a scene no longer in the script.")
    shots: int


class ProjectCostTotal(CostCounts):
    shots: int


class ProjectCost(BaseModel):
    project: str
    takes: list[TakeCost]
    shots: list[ShotCost]
    scenes: list[SceneCost]
    total: ProjectCostTotal


@router.get(
    "/cost",
    response_model=ProjectCost,
    summary="What the project's renders cost",
    description="Every take's CPU and GPU seconds (its keyframe and clip: device, model, steps, batch size) and "
    "the totals per shot, per scene and for the project. Takes made before costs were recorded count as "
    "unmeasured, not as free.",
    responses={**AUTH_ERRORS, **NOT_FOUND, 409: {"model": Error, "description": "The project has no shots yet."}},
)
def project_cost(
    project_id: str, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)
) -> ProjectCost:
    project = tenant_project(project_id, tenant, app)
    if not stored_shot_codes(app.store, project.project_id):
        raise ApiError(409, f"project {project.project_id} has no shots yet")
    return ProjectCost(**project_costs(app.store, project.project_id))
