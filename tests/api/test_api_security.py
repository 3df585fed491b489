"""The API's guards, over HTTP against a real uvicorn process and Postgres: a revoked key gets 401 on
its very next request; a tenant over its rate limit gets 429 with Retry-After while other tenants
go on, and the limit is one for all API processes (kept in Postgres); cross-origin browsers get no
CORS grant; no key reaches the API's log or its answers."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from api.keys import create_api_key, revoke_key
from api.rate_limit import RateLimit, parse_rate_limit, take
from api.tables import api_engine
from sensors.render_messages import read_request
from tests.support.api_helpers import TINY_FILM, api_process, client

pytestmark = pytest.mark.service

LIMIT = RateLimit(5, 60)  # five a minute: one every 12 s once the burst is spent


@pytest.fixture(scope="module")
def engine(stack):
    engine = api_engine(stack.postgres_url, pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def limited_api(stack, tmp_path_factory):
    """An API process of its own with a small rate limit, and the folder its log is written to."""
    logs = tmp_path_factory.mktemp("limited-api-logs")
    with api_process(stack.env, logs, FILMSTUDIO_API_RATE_LIMIT=str(LIMIT)) as url:
        yield url, logs


def _tenant() -> str:
    return f"guard-{uuid.uuid4().hex[:8]}"  # a tenant of the test's own: the database is shared


def test_a_revoked_key_is_refused_from_its_next_request_on(api, stack, engine):
    key = create_api_key(stack.postgres_url, _tenant())
    with client(api, key) as session:
        assert session.get("/projects").status_code == 200
        revoked = revoke_key(engine, key[:10])
        assert revoked.revoked_at is not None
        answer = session.get("/projects")
    assert answer.status_code == 401 and answer.json()["detail"] == "unknown or revoked API key", answer.text


def test_a_tenant_over_its_limit_waits_and_others_go_on(limited_api, stack, engine):
    url, _ = limited_api
    busy, other = (create_api_key(stack.postgres_url, _tenant()) for _ in range(2))
    with client(url, busy) as session:
        codes = [session.get("/projects").status_code for _ in range(LIMIT.requests)]
        refused = session.get("/projects")
    assert codes == [200] * LIMIT.requests
    assert refused.status_code == 429, refused.text
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= LIMIT.interval_s + 1 and "rate limit of 5/minute" in refused.json()["detail"]
    with client(url, other) as session:
        assert session.get("/projects").status_code == 200  # a tenant's limit is its own


def test_the_limit_is_shared_by_every_api_process(limited_api, stack, engine):
    """Requests counted by another process (here the test, as a second API replica would) count."""
    url, _ = limited_api
    tenant = _tenant()
    key = create_api_key(stack.postgres_url, tenant)
    assert [take(engine, tenant, LIMIT) for _ in range(LIMIT.requests)] == [None] * LIMIT.requests
    with client(url, key) as session:
        answer = session.get("/projects")
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1, answer.text


def test_the_limit_setting_is_checked():
    assert parse_rate_limit("20/second") == RateLimit(20, 1) and parse_rate_limit("off") is None
    for bad in ("", "0/minute", "ten/minute", "5/day", "5"):
        with pytest.raises(ValueError, match="requests per period"):
            parse_rate_limit(bad)


def test_cross_origin_browsers_get_no_grant(api, keys):
    origin = {"Origin": "https://evil.example"}
    preflight = httpx.options(
        f"{api}/projects",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"},
        timeout=30,
    )
    simple = httpx.get(f"{api}/projects", headers={**origin, "X-API-Key": keys["studio-a"]}, timeout=30)
    assert simple.status_code == 200
    for answer in (preflight, simple):
        assert not any(name.lower().startswith("access-control-allow") for name in answer.headers), answer.headers


def test_no_key_reaches_the_log_or_an_answer(limited_api, stack):
    url, logs = limited_api
    key = create_api_key(stack.postgres_url, _tenant())
    wrong = key[:-4] + "AAAA"
    answers = [
        httpx.get(f"{url}/projects", headers={"X-API-Key": wrong}, timeout=30),
        httpx.post(f"{url}/projects", headers={"X-API-Key": key}, json={"screenplay": ""}, timeout=30),
        httpx.get(f"{url}/projects/nope", headers={"X-API-Key": key}, timeout=30),
    ]
    accepted = httpx.post(f"{url}/projects", headers={"X-API-Key": key}, json={"screenplay": TINY_FILM}, timeout=30)
    assert [a.status_code for a in answers] + [accepted.status_code] == [401, 422, 404, 202], [a.text for a in answers]
    logged = "".join(path.read_text(errors="replace") for path in logs.iterdir())
    assert "GET /projects" in logged  # the log is written: the keys are simply not in it
    # the queued request, and so the run's tags made from it, carry the tenant, never the key
    queued = _queued_body(stack, accepted.json()["job_id"])
    tags = json.dumps(read_request(queued).run_tags())
    assert read_request(queued).tenant in tags
    for secret in (key, wrong, key[10:]):
        assert secret not in logged and not any(secret in a.text for a in [*answers, accepted])
        assert secret not in queued and secret not in tags


def _queued_body(stack, job_id: str) -> str:
    """The message the API queued for job_id, read without hiding it (visibility timeout 0)."""
    for _ in range(20):
        messages = stack.sqs().receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        for message in messages.get("Messages", []):
            if job_id in message["Body"]:
                return message["Body"]
    raise AssertionError(f"no queued message for job {job_id}")
