"""Property-based: whatever a client sends, within the OpenAPI schema or deliberately outside it
(schemathesis's positive and negative modes), the live API never answers with a server error.
Schemathesis reads /openapi.json from the running server and generates requests for every
operation with a valid X-API-Key, against generated project ids and against a real project.

(schemathesis's own pytest integration, `schemathesis.pytest.from_fixture`, fails under pytest 9
with "'Function' object has no attribute '_nodeid'", so each operation's Hypothesis test is built
here from `APIOperation.as_strategy`.)
"""

from __future__ import annotations

import os
from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api.keys import create_api_key
from tests.support.api_helpers import TINY_FILM, api_process

pytestmark = pytest.mark.service

# 25 in the suite; the reliability figures come from a run with 1,000 (docs/reliability.md)
EXAMPLES_PER_OPERATION = int(os.environ.get("FILMSTUDIO_FUZZ_EXAMPLES", "25"))
OPERATIONS = [
    "POST /projects",
    "GET /projects",
    "GET /projects/{project_id}",
    "POST /projects/{project_id}/renders",
    "GET /projects/{project_id}/final-cut",
    "GET /projects/{project_id}/export",
    "GET /projects/{project_id}/shots/{code}/versions",
    "POST /projects/{project_id}/shots/{code}/versions/{version}/reviews",
    "GET /projects/{project_id}/shots/{code}/versions/{version}/reviews",
    "GET /projects/{project_id}/takes",
    "GET /projects/{project_id}/revisions",
    "POST /projects/{project_id}/revisions",
    "POST /projects/{project_id}/plan",
    "GET /projects/{project_id}/cost",
    "POST /projects/{project_id}/dailies",
    "GET /projects/{project_id}/dailies",
    "GET /projects/{project_id}/media-links",
    "GET /media/{token}",
    "POST /backfills",
    "GET /backfills/{backfill_id}",
    "GET /health",
]
ON_A_PROJECT = [label for label in OPERATIONS if "{project_id}" in label]


@pytest.fixture(scope="module")
def live_api(stack, tmp_path_factory):
    """A server of its own: nothing consumes its queue, so whatever the generated requests queue
    stays there and renders nothing."""
    key = create_api_key(stack.postgres_url, "fuzz")
    # with a media link secret, as a stack runs it (without, the media routes answer 503)
    secret = {"FILMSTUDIO_MEDIA_LINK_SECRET": "fuzz-secret"}
    with api_process(stack.env, tmp_path_factory.mktemp("api-schema"), **secret) as url:
        answer = httpx.post(f"{url}/projects", json={"screenplay": TINY_FILM}, headers={"X-API-Key": key}, timeout=30)
        assert answer.status_code == 202, answer.text
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        yield {"schema": schema, "key": key, "project_id": answer.json()["project_id"]}


def _operation(schema, label: str):
    method, path = label.split(" ", 1)
    return schema[path][method]


def _fuzz(operation, headers: dict, path_parameters: dict | None = None) -> Counter:
    """Both modes, EXAMPLES_PER_OPERATION cases each; returns the status codes seen."""
    statuses = Counter()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategy = operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=path_parameters)

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        )
        def no_server_error(case):
            response = case.call_and_validate(checks=[not_a_server_error], timeout=30)
            statuses[response.status_code] += 1

        try:
            no_server_error()
        except Unsatisfiable:
            # nothing in this operation can be made invalid (no body, no free parameters)
            assert mode == GenerationMode.NEGATIVE
    return statuses


def test_every_operation_is_fuzzed(live_api):
    operations = (result.ok() for result in live_api["schema"].get_all_operations())
    live = {f"{operation.method.upper()} {operation.path}" for operation in operations}
    assert live == set(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_request_gets_a_server_error(live_api, label):
    statuses = _fuzz(_operation(live_api["schema"], label), {"X-API-Key": live_api["key"]})
    print(label, dict(statuses))
    assert statuses and not any(code >= 500 for code in statuses)


@pytest.mark.parametrize("label", ON_A_PROJECT)
def test_no_request_on_a_real_project_gets_a_server_error(live_api, label):
    statuses = _fuzz(
        _operation(live_api["schema"], label),
        {"X-API-Key": live_api["key"]},
        path_parameters={"project_id": live_api["project_id"]},
    )
    print(label, dict(statuses))
    assert statuses and not any(code >= 500 for code in statuses)
