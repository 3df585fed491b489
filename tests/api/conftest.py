"""The API tests share one service stack per module (conftest's `module_service_stack`), as `stack`,
with one API process, API keys and a client per tenant on it."""

from __future__ import annotations

import pytest

from api.keys import create_api_key
from tests.support.api_helpers import api_process, client


@pytest.fixture(scope="module")
def stack(module_service_stack):
    return module_service_stack


@pytest.fixture(scope="module")
def api(stack, tmp_path_factory):
    with api_process(stack.env, tmp_path_factory.mktemp("api-logs")) as url:
        yield url


@pytest.fixture(scope="module")
def keys(stack) -> dict[str, str]:
    return {tenant: create_api_key(stack.postgres_url, tenant) for tenant in ("studio-a", "studio-b", "paging")}


@pytest.fixture(scope="module")
def studio_a(api, keys):
    with client(api, keys["studio-a"]) as session:
        yield session


@pytest.fixture(scope="module")
def studio_b(api, keys):
    with client(api, keys["studio-b"]) as session:
        yield session
