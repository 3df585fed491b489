"""The API as studios use it, what it accepts and refuses: submissions, bad input, keys, limits,
listing and health, over HTTP against a real uvicorn process, Postgres and the moto server (the
rendered project's status, lineage and final cut are test_api.py's)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import create_engine, text

from api.keys import create_api_key, hash_key
from resources.profiles import psycopg2_url
from tests.conftest import EXAMPLES
from tests.support.api_helpers import (
    TINY_FILM,
    api_process,
    bucket_keys,
    client,
    drain_queue,
    listed_ids,
    received_request,
)

pytestmark = pytest.mark.service

SMALL_LIMIT = 1024


# --- submitting -----------------------------------------------------------------------------


def test_submit_stores_screenplay_and_enqueues_render_request(stack, studio_a):
    answer = studio_a.post("/projects", json={"screenplay": TINY_FILM, "title": "Night Shift!", "priority": 7})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    project_id = body["project_id"]
    assert project_id.startswith("night-shift-") and len(project_id) == len("night-shift-") + 6
    assert body["status_url"] == f"/projects/{project_id}" == answer.headers["location"]

    request = received_request(stack, body["job_id"])
    assert (request.project_id, request.tenant, request.action, request.priority) == (
        project_id,
        "studio-a",
        "render",
        7,
    )
    assert request.screenplay_key == f"projects/{project_id}/submission/screenplay.fountain"
    stored = stack.settings().media_store()
    assert stored.get_bytes(request.screenplay_key).decode() == TINY_FILM
    record = json.loads(stored.get_bytes(f"projects/{project_id}/submission/submission.json"))
    assert record["source_name"] == "screenplay.fountain" and record["settings"]["width"] == 1280

    status = studio_a.get(body["status_url"]).json()
    assert status["state"] == "queued" and status["latest_run"] is None
    assert [job["job_id"] for job in status["jobs"]] == [body["job_id"]]


def test_same_title_gives_distinct_unguessable_ids(studio_a, studio_b, stack):
    ids = {
        session.post("/projects", json={"screenplay": TINY_FILM}).json()["project_id"]
        for session in (studio_a, studio_a, studio_b)
    }
    assert len(ids) == 3 and all(pid.startswith("night-shift-") for pid in ids)
    untitled = studio_a.post("/projects", json={"screenplay": "INT. DINER - DAY\n\nRain.\n"}).json()["project_id"]
    assert untitled.startswith("untitled-")
    drain_queue(stack)


def test_multipart_upload_is_accepted(stack, studio_a):
    script = (EXAMPLES / "lighthouse.fountain").read_bytes()
    answer = studio_a.post(
        "/projects",
        files={"file": ("keeper.fountain", script, "text/plain")},
        data={"priority": "-3", "settings": json.dumps({"width": 640, "height": 360})},
    )
    assert answer.status_code == 202, answer.text
    project_id = answer.json()["project_id"]
    assert project_id.startswith("the-last-keeper-")  # the title page's title wins over the file name
    request = received_request(stack, answer.json()["job_id"])
    assert request.priority == -3
    store = stack.settings().media_store()
    assert store.get_bytes(request.screenplay_key) == script
    record = json.loads(store.get_bytes(f"projects/{project_id}/submission/submission.json"))
    assert record["source_name"] == "keeper.fountain" and record["settings"]["width"] == 640

    untitled = studio_a.post(
        "/projects", files={"file": ("C:\\scripts\\Diner Scene.fountain", b"INT. DINER - DAY\n\nRain.\n")}
    )
    assert untitled.status_code == 202, untitled.text
    assert untitled.json()["project_id"].startswith("diner-scene-")  # no title page: the file's name
    drain_queue(stack)


def test_malformed_screenplay_is_refused_naming_the_line(stack, studio_a):
    drain_queue(stack)
    before = bucket_keys(stack, "projects/")
    listed = studio_a.get("/projects", params={"limit": 100}).json()["items"]
    bad = "Title: Broken\n\nINT. HALL - NIGHT\n\nMARA\nHello [[a note never closed\n\nJONAH\nHi.\n"
    answer = studio_a.post("/projects", json={"screenplay": bad})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("screenplay.fountain line 6: unclosed note")
    upload = studio_a.post("/projects", files={"file": ("bad.fountain", b"INT. HALL - DAY\n\nA \xff byte.\n")})
    assert upload.status_code == 422 and "bad.fountain line 3" in upload.json()["detail"]
    assert bucket_keys(stack, "projects/") == before  # nothing stored
    assert drain_queue(stack, wait_s=1) == []  # nothing enqueued
    assert studio_a.get("/projects", params={"limit": 100}).json()["items"] == listed  # nothing recorded


BAD_REQUESTS = {
    "empty screenplay": ("POST", "/projects", {"json": {"screenplay": "   \n"}}, 422),
    "missing screenplay": ("POST", "/projects", {"json": {"title": "x"}}, 422),
    "not JSON": ("POST", "/projects", {"content": b"{nope", "headers": {"content-type": "application/json"}}, 422),
    "empty JSON body": ("POST", "/projects", {"content": b"", "headers": {"content-type": "application/json"}}, 422),
    "JSON array": ("POST", "/projects", {"json": ["INT. A - DAY"]}, 422),
    "lone surrogate": (
        "POST",
        "/projects",
        {"content": b'{"screenplay": "INT. A - DAY\\n\\n\\ud800"}', "headers": {"content-type": "application/json"}},
        422,
    ),
    "non-UTF-8 JSON": (
        "POST",
        "/projects",
        {"content": b'{"screenplay": "\xff"}', "headers": {"content-type": "application/json"}},
        422,
    ),
    "plain text body": (
        "POST",
        "/projects",
        {"content": b"INT. A - DAY", "headers": {"content-type": "text/plain"}},
        415,
    ),
    "no content type": ("POST", "/projects", {"content": b"INT. A - DAY"}, 415),
    "multipart without file": ("POST", "/projects", {"files": {"title": (None, "x")}}, 422),
    "multipart text in file field": ("POST", "/projects", {"files": {"file": (None, "INT. A - DAY")}}, 422),
    "multipart unknown field": (
        "POST",
        "/projects",
        {"files": {"file": ("a.fountain", b"INT. A - DAY\n"), "tenant": (None, "studio-b")}},
        422,
    ),
    "multipart bad settings": (
        "POST",
        "/projects",
        {"files": {"file": ("a.fountain", b"INT. A - DAY\n")}, "data": {"settings": "{"}},
        422,
    ),
    "multipart bad priority": (
        "POST",
        "/projects",
        {"files": {"file": ("a.fountain", b"INT. A - DAY\n")}, "data": {"priority": "high"}},
        422,
    ),
    "broken multipart": (
        "POST",
        "/projects",
        {"content": b"--x\r\nbroken", "headers": {"content-type": "multipart/form-data; boundary=x"}},
        422,
    ),
    "odd frame width": ("POST", "/projects", {"json": {"screenplay": TINY_FILM, "settings": {"width": 321}}}, 422),
    "NaN fps": (
        "POST",
        "/projects",
        {
            "content": b'{"screenplay": "INT. A - DAY", "settings": {"fps": NaN}}',
            "headers": {"content-type": "application/json"},
        },
        422,
    ),
    "priority out of range": ("POST", "/projects", {"json": {"screenplay": TINY_FILM, "priority": 1000}}, 422),
    "unknown field": ("POST", "/projects", {"json": {"screenplay": TINY_FILM, "tenant": "studio-b"}}, 422),
    "bad cursor": ("GET", "/projects", {"params": {"cursor": "not-a-cursor"}}, 400),
    "forged cursor": ("GET", "/projects", {"params": {"cursor": "WyIyMDI0IiwgIngnOyJd"}}, 400),
    "huge limit": ("GET", "/projects", {"params": {"limit": 10**9}}, 422),
    "zero limit": ("GET", "/projects", {"params": {"limit": 0}}, 422),
    "id that is not a slug": ("GET", "/projects/Not%20A%20Slug", {}, 404),
    "id with a NUL": ("GET", "/projects/a%00b", {}, 404),
    "unknown project": ("GET", "/projects/no-such-project", {}, 404),
    "unknown final-cut part": ("GET", "/projects/no-such-project/final-cut", {"params": {"part": "negatives"}}, 422),
    "rerender unknown asset": ("POST", "/projects/no-such-project/renders", {"json": {"assets": ["nope"]}}, 422),
    "rerender body not an object": ("POST", "/projects/no-such-project/renders", {"json": [1]}, 422),
    "wrong method": ("DELETE", "/projects", {}, 405),
}


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=list(BAD_REQUESTS))
def test_bad_input_gets_a_4xx_with_a_detail(studio_a, case):
    method, path, options, expected = BAD_REQUESTS[case]
    answer = studio_a.request(method, path, **options)
    assert answer.status_code == expected, answer.text
    assert isinstance(answer.json()["detail"], str) and answer.json()["detail"]


# --- auth and tenancy -------------------------------------------------------------------------


def test_missing_or_wrong_key_is_401(api):
    project_id = "any-project"  # the key is checked before the project is looked up
    for key in (None, b"", b"fs_wrong", b"x" * 5000, "ключ".encode()):
        headers = {} if key is None else {"X-API-Key": key}
        for method, path in (
            ("GET", "/projects"),
            ("GET", f"/projects/{project_id}"),
            ("POST", "/projects"),
            ("GET", f"/projects/{project_id}/final-cut"),
            ("POST", f"/projects/{project_id}/renders"),
        ):
            answer = httpx.request(method, api + path, headers=headers, json={"screenplay": TINY_FILM}, timeout=30)
            assert answer.status_code == 401, (key, method, path, answer.text)
            assert "API key" in answer.json()["detail"]


def test_api_keys_are_stored_hashed(stack, keys):
    engine = create_engine(psycopg2_url(stack.postgres_url))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key_sha256, tenant FROM filmstudio_api_keys")).all()
    engine.dispose()
    stored = {row.key_sha256: row.tenant for row in rows}
    assert stored[hash_key(keys["studio-a"])] == "studio-a"
    assert not any(key in stored for key in keys.values())  # never the plaintext
    for bad in ("Studio", "", "-x", "a" * 65, "a/b", "a b"):
        with pytest.raises(ValueError, match="tenant"):
            create_api_key(stack.postgres_url, bad)


# --- limits -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_limit_api(stack, keys, tmp_path_factory):
    with api_process(
        stack.env, tmp_path_factory.mktemp("small-limit-logs"), FILMSTUDIO_API_MAX_UPLOAD_BYTES=str(SMALL_LIMIT)
    ) as url:
        with client(url, keys["studio-a"]) as session:
            yield session


@pytest.mark.slow  # a second API process of its own (~6 s)
def test_upload_over_limit_is_413(stack, small_limit_api):
    big = TINY_FILM + "\nRain.\n" * 400
    declared = small_limit_api.post("/projects", json={"screenplay": big})
    assert declared.status_code == 413 and str(SMALL_LIMIT) in declared.json()["detail"]
    multipart = small_limit_api.post("/projects", files={"file": ("big.fountain", big.encode())})
    assert multipart.status_code == 413

    def chunks():  # no Content-Length: the server has to count
        body = json.dumps({"screenplay": big}).encode()
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    chunked = small_limit_api.post("/projects", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.request.headers.get("transfer-encoding") == "chunked"
    assert chunked.status_code == 413 and str(SMALL_LIMIT) in chunked.json()["detail"]
    order = {"shots": ["SQ010_SH010"] * 200}  # every endpoint's body is limited, not only uploads
    assert small_limit_api.post("/projects/any-project/renders", json=order).status_code == 413
    streamed = small_limit_api.post(
        "/projects/any-project/renders",
        content=iter([json.dumps(order).encode()]),
        headers={"content-type": "application/json"},
    )
    assert streamed.request.headers.get("transfer-encoding") == "chunked" and streamed.status_code == 413

    small = small_limit_api.post("/projects", json={"screenplay": TINY_FILM})
    assert small.status_code == 202, small.text
    received_request(stack, small.json()["job_id"])


# --- listing ----------------------------------------------------------------------------------


def test_projects_are_paginated(stack, api, keys, studio_a):
    with client(api, keys["paging"]) as paging:
        made = [
            paging.post("/projects", json={"screenplay": TINY_FILM, "title": f"Reel {n}"}).json()["project_id"]
            for n in range(5)
        ]
        first = paging.get("/projects", params={"limit": 2}).json()
        paging.post("/projects", json={"screenplay": TINY_FILM, "title": "Late Arrival"})  # added between pages
        seen, page = [item["project_id"] for item in first["items"]], first
        while page["next_cursor"]:
            page = paging.get("/projects", params={"limit": 2, "cursor": page["next_cursor"]}).json()
            assert len(page["items"]) <= 2
            seen += [item["project_id"] for item in page["items"]]
        assert seen == made[::-1]  # newest first, each once, the later one not slipped in
        newest = paging.get("/projects", params={"limit": 1}).json()["items"][0]
        assert newest["title"] == "Late Arrival" and newest["status_url"] == f"/projects/{newest['project_id']}"
    assert not set(made) & listed_ids(studio_a)
    drain_queue(stack)


# --- service ----------------------------------------------------------------------------------


def test_health(api):
    answer = httpx.get(f"{api}/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["checks"] == {"postgres": "ok", "queue": "ok"}


@pytest.mark.slow  # a second API process of its own (~6 s)
def test_queue_outage_is_503_and_keeps_nothing(stack, keys, tmp_path_factory):
    missing_queue = f"{stack.endpoint}/123456789012/no-such-queue"
    with api_process(stack.env, tmp_path_factory.mktemp("no-queue-logs"), FILMSTUDIO_QUEUE_URL=missing_queue) as url:
        health = httpx.get(f"{url}/health", timeout=10)
        assert health.status_code == 503
        assert health.json()["checks"]["postgres"] == "ok" and health.json()["checks"]["queue"] != "ok"
        with client(url, keys["studio-a"]) as session:
            before = session.get("/projects", params={"limit": 100}).json()["items"]
            answer = session.post("/projects", json={"screenplay": TINY_FILM})
            assert answer.status_code == 503 and answer.json()["detail"]
            assert session.get("/projects", params={"limit": 100}).json()["items"] == before


def test_openapi_documents_models_and_the_key_scheme(api):
    schema = httpx.get(f"{api}/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        **schema["components"]["securitySchemes"]["ApiKey"],
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    submit = schema["paths"]["/projects"]["post"]
    assert set(submit["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert submit["security"] == [{"ApiKey": []}] and submit["tags"] == ["projects"]
    assert "ProjectStatus" in schema["components"]["schemas"]
    assert httpx.get(f"{api}/docs").status_code == 200


def test_listing_with_10000_projects_walks_its_index_and_pages_stay_consistent(stack, studio_a):
    """GET /projects stays one index range scan however many projects there are (the timings
    live in bench/service_bench.py, not here): Postgres' own plan says so, and walking the pages
    meets every project once, newest first."""
    engine = create_engine(psycopg2_url(stack.postgres_url))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO filmstudio_projects (project_id, tenant, title, source_name, created_at) "
                "SELECT 'bulk-' || n, 'studio-c', 'Bulk ' || n, 'bulk.fountain', now() - n * interval '1 second' "
                "FROM generate_series(1, 10000) AS n"
            )
        )
        connection.execute(text("ANALYZE filmstudio_projects"))
        plan = "\n".join(
            connection.execute(
                text(
                    "EXPLAIN SELECT * FROM filmstudio_projects WHERE tenant = 'studio-c' AND (created_at < now() OR "
                    "(created_at = now() AND project_id < 'x')) ORDER BY created_at DESC, project_id DESC LIMIT 21"
                )
            ).scalars()
        )
    engine.dispose()
    assert "ix_filmstudio_projects_tenant_created" in plan, plan
    assert "Sort" not in plan.split("Index")[0], plan  # rows come in index order: no sort of 10,000 rows

    studio_c = httpx.Client(
        base_url=str(studio_a.base_url),
        timeout=30,
        headers={"X-API-Key": create_api_key(stack.postgres_url, "studio-c")},
    )
    seen, cursor = [], None
    while True:
        page = studio_c.get("/projects", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["project_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"bulk-{n}" for n in range(1, 10001)]
