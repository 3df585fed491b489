"""Liveness of what the API depends on: Postgres and the render queue (no API key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.clients import ApiClients, api_clients
from api.models import Health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    summary="Is the service up?",
    responses={503: {"model": Health, "description": "Postgres or the queue is unreachable."}},
)
def health(app: ApiClients = Depends(api_clients)):
    checks = {"postgres": _check(app.ping_postgres), "queue": _check(app.ping_queue)}
    failing = [f"{name}: {result}" for name, result in checks.items() if result != "ok"]
    if failing:
        body = Health(status="unavailable", checks=checks, detail="; ".join(failing))
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    return Health(status="ok", checks=checks)


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ok"; its text says why
        return f"{type(error).__name__}: {str(error)[:200]}"
