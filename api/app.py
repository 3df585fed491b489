"""The app factory: `python -m uvicorn api.app:create_app --factory` (or `python -m api`).

Settings come from the environment once (api/settings.py); the API's tables are created at
startup; the Dagster instance opens on first use and is shared by every request.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from api import media
from api.clients import ApiClients
from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.models import SubmitScreenplay
from api.routes import backfills, cost, dailies, export, health, plan, projects, renders, reviews, shots
from api.settings import ApiSettings

DESCRIPTION = """Submit Fountain screenplays, follow their renders and download the films.

Every call except `/health` needs your tenant's key in the `X-API-Key` header; you see only your
tenant's projects. Errors are JSON `{"detail": "..."}`. Rendering happens in Dagster: the API
queues requests (SQS) and reads run and lineage state from Dagster's instance.
"""

log = logging.getLogger("api")


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or ApiSettings.from_environment()
    clients = ApiClients.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        await run_in_threadpool(clients.start)
        log.info("filmstudio API ready (upload limit %d bytes)", settings.max_upload_bytes)
        try:
            yield
        finally:
            await run_in_threadpool(clients.stop)

    app = FastAPI(
        title="filmstudio API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "projects", "description": "Submit screenplays; read status and lineage."},
            {"name": "renders", "description": "Re-render projects; download final cuts."},
            {"name": "review", "description": "Plan revisions, review takes, see what renders cost."},
            {"name": "backfills", "description": "Re-render many projects at once (a Dagster backfill)."},
            {"name": "health", "description": "Service liveness."},
        ],
    )
    app.state.clients = clients
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes, body_seconds=settings.body_seconds)
    for module in (projects, renders, export, shots, reviews, plan, cost, dailies, backfills, media, health):
        app.include_router(module.router)
    app.openapi = lambda: _openapi(app)
    return app


def _openapi(app: FastAPI) -> dict:
    """FastAPI's schema plus the request bodies POST /projects reads by hand (JSON or multipart)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
        )
        _, extra = models_json_schema([(SubmitScreenplay, "validation")], ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(extra.get("$defs", {}))
        # our 422s are {"detail": "..."} like every other error (api/errors.py), not FastAPI's list
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                response = operation.get("responses", {}).get("422")
                if response is not None:
                    response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                    if response.get("description") == "Validation Error":
                        response["description"] = "Invalid parameters or body (the message names the field)."
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
    return app.openapi_schema
