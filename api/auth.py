"""Who is calling: the X-API-Key header names a tenant; every project read is scoped to it."""

from __future__ import annotations

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader

from api.clients import ApiClients, api_clients
from api.errors import ApiError
from api.keys import tenant_for_key

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
    return tenant
