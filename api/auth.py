"""Who is calling: the X-API-Key header names a tenant; every project read is scoped to it, and every
request counts against the tenant's rate limit (api/rate_limit.py)."""

from __future__ import annotations

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader

from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.keys import tenant_for_key
from api.rate_limit import take

api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    auto_error=False,
    description="Your tenant's API key (`filmstudio keys create TENANT` prints one).",
)


def current_tenant(key: str | None = Security(api_key_header), app: ApiClients = Depends(api_clients)) -> str:
    tenant = tenant_for_key(app.engine, key)
    if tenant is None:
        detail = "missing API key: send it in the X-API-Key header" if not key else "unknown or revoked API key"
        raise ApiError(401, detail, {"WWW-Authenticate": "ApiKey"})
    limit = app.settings.rate_limit
    if limit is not None and (wait := take(app.engine, tenant, limit)) is not None:
        raise ApiError(
            429,
            f"tenant {tenant!r} is over its rate limit of {limit} requests: retry in {wait} s",
            {"Retry-After": str(wait)},
        )
    return tenant
