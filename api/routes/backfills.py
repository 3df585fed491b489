"""Backfills over many of a tenant's projects: one Dagster asset backfill, one run per project.

The API only writes the backfill's record into Dagster's instance; the dagster-daemon runs it,
and the Dagster UI shows it (Runs → Backfills). The backfill carries the tenant's tag, so only
that tenant can read it here.
"""

from __future__ import annotations

import re
import threading

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import select

from api.auth import current_tenant
from api.backfill_models import BackfillAccepted, BackfillOrder, BackfillRuns, BackfillStatus
from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.models import Error
from api.routes.projects import AUTH_ERRORS
from api.tables import projects as projects_table
from film_assets.contract import ACTION_TAG, TENANT_TAG
from film_assets.domain.projects.ids import InvalidProjectId, validate_project_id
from film_assets.run_states import backfill_state
from film_assets.runs.backfills import all_projects, backfill_progress, launch_backfill, selected_assets

router = APIRouter(prefix="/backfills", tags=["backfills"])

BACKFILL_ID = re.compile(r"^[a-z0-9_-]{1,64}$")
MAX_NAMED = 10

_graph_lock = threading.Lock()
_graphs: dict[int, object] = {}


def asset_graph(app: ApiClients):
    """The code location's asset graph, built once per process on first use (it imports the assets:
    a second or two, which the other routes never pay)."""
    key = id(app)
    if key not in _graphs:
        with _graph_lock:
            if key not in _graphs:
                from film_assets.definitions import build_definitions

                _graphs[key] = build_definitions(app.settings.environment).resolve_asset_graph()
    return _graphs[key]


def tenant_project_ids(app: ApiClients, tenant: str, wanted: list[str] | None = None) -> list[str]:
    """The tenant's project ids, oldest first; with `wanted`, only those among them."""
    query = select(projects_table.c.project_id).where(projects_table.c.tenant == tenant)
    if wanted is not None:
        query = query.where(projects_table.c.project_id.in_(wanted))
    query = query.order_by(projects_table.c.created_at, projects_table.c.project_id)
    with app.engine.connect() as connection:
        return [row.project_id for row in connection.execute(query)]


def _named(ids: list[str]) -> str:
    shown = ", ".join(ids[:MAX_NAMED])
    return shown + (f" (and {len(ids) - MAX_NAMED} more)" if len(ids) > MAX_NAMED else "")


def _is_project_id(text: str) -> bool:
    try:
        validate_project_id(text)
    except InvalidProjectId:
        return False
    return True


def _choose(app: ApiClients, tenant: str, order: BackfillOrder) -> tuple[list[str], list[str]]:
    """(projects to backfill, projects skipped): 404 naming ids that are not the tenant's (another
    tenant's project is as absent as a missing one), 409 naming ones that have not started rendering."""
    registered = set(all_projects(app.dagster.instance))
    if order.all:
        mine = tenant_project_ids(app, tenant)
        chosen = [project for project in mine if project in registered]
        if not chosen:
            raise ApiError(409, "none of your projects has started rendering yet: nothing to backfill")
        return chosen, [project for project in mine if project not in registered]
    wanted = list(dict.fromkeys(order.projects or []))
    slugs = [project for project in wanted if _is_project_id(project)]  # never send other text to Postgres
    mine = set(tenant_project_ids(app, tenant, slugs)) if slugs else set()
    unknown = [project for project in wanted if project not in mine]
    if unknown:
        raise ApiError(404, f"no project{'s' if len(unknown) > 1 else ''} {_named([p[:80] for p in unknown])}")
    waiting = [project for project in wanted if project not in registered]
    if waiting:
        raise ApiError(
            409,
            f"project{'s' if len(waiting) > 1 else ''} {_named(waiting)} "
            f"{'have' if len(waiting) > 1 else 'has'} not started rendering yet: backfill "
            "once the first render has started",
        )
    return wanted, []


@router.post(
    "",
    status_code=202,
    response_model=BackfillAccepted,
    summary="Re-render many projects",
    description="Launch one Dagster backfill over your listed projects (or `all` of them): one run per "
    "project, materializing every asset, or the listed assets and everything downstream. "
    "Shots whose render key is unchanged are reused. The API only records the backfill in "
    "Dagster's instance; the dagster-daemon runs it, and the Dagster UI lists it under "
    "Runs → Backfills.",
    responses={
        **AUTH_ERRORS,
        404: {"model": Error, "description": "A listed project is not yours (the message names it)."},
        409: {"model": Error, "description": "A listed project has not started rendering yet."},
        422: {"model": Error, "description": "Bad body: unknown assets, both or neither of `projects` and `all`."},
    },
)
def launch(order: BackfillOrder, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)):
    chosen, skipped = _choose(app, tenant, order)
    graph = asset_graph(app)
    assets = [key.to_user_string() for key in selected_assets(graph, order.assets)]
    try:
        backfill_id = launch_backfill(
            app.dagster.instance,
            graph,
            chosen,
            order.assets,
            tags={TENANT_TAG: tenant, ACTION_TAG: "backfill"},
            title=f"{tenant}: {len(chosen)} project{'s' if len(chosen) > 1 else ''}",
        )
    except ValueError as error:  # a partition deleted meanwhile
        raise ApiError(409, str(error)) from None
    accepted = BackfillAccepted(
        backfill_id=backfill_id, projects=chosen, assets=assets, skipped=skipped, status_url=f"/backfills/{backfill_id}"
    )
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": accepted.status_url})


@router.get(
    "/{backfill_id}",
    response_model=BackfillStatus,
    summary="A backfill's status",
    description="Dagster's status of one of your backfills, its projects and its runs so far (read from "
    "Dagster's instance). Another tenant's backfill is a 404, like a missing one.",
    responses={**AUTH_ERRORS, 404: {"model": Error, "description": "No such backfill for this tenant."}},
)
def status(backfill_id: str, tenant: str = Depends(current_tenant), app: ApiClients = Depends(api_clients)):
    progress = None
    if BACKFILL_ID.match(backfill_id):
        progress = backfill_progress(app.dagster.instance, asset_graph(app), backfill_id)
    if progress is None or progress.tags.get(TENANT_TAG) != tenant:
        raise ApiError(404, f"no backfill {backfill_id[:80]!r}")
    state = backfill_state(progress.status, has_runs=bool(progress.runs))
    return BackfillStatus(
        backfill_id=backfill_id,
        status=progress.status,
        state=state,
        projects=progress.projects,
        assets=progress.assets,
        created_at=progress.created_at,
        ended_at=progress.ended_at,
        error=progress.error,
        runs=BackfillRuns(total=len(progress.runs), finished=progress.runs_finished, failed=progress.runs_failed),
    )
