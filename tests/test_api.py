"""The API as studios use it: a real uvicorn process over HTTP, Postgres for its tables and
Dagster's instance, SQS and S3 on the moto server. One project is rendered for real into the
service instance (the way the sensor's run would) so status, lineage and final cut are real."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import create_engine, text

from api.keys import create_api_key, hash_key
from film_assets.contract import JOB_ID_TAG, RenderRequest
from film_assets.service.instance import psycopg2_url
from resources.profiles import current_environment
from tests.api_helpers import (TINY_FILM, api_process, bucket_keys, drain_queue, module_service_stack, received_request,
                               render_in_process)
from tests.conftest import EXAMPLES

SMALL_LIMIT = 1024


@pytest.fixture(scope="module")
def stack(tmp_path_factory, moto_endpoint, postgres_server):
    with module_service_stack(tmp_path_factory.mktemp("api-stack"), moto_endpoint) as stack:
        yield stack


@pytest.fixture(scope="module")
def api(stack, tmp_path_factory):
    with api_process(stack.env, tmp_path_factory.mktemp("api-logs")) as url:
        yield url


@pytest.fixture(scope="module")
def keys(stack) -> dict[str, str]:
    return {tenant: create_api_key(stack.postgres_url, tenant) for tenant in ("studio-a", "studio-b", "paging")}


def client(api: str, key: str | None) -> httpx.Client:
    return httpx.Client(base_url=api, headers={"X-API-Key": key} if key else {}, timeout=30)


def listed_ids(session: httpx.Client) -> set[str]:
    """The ids on the first page of GET /projects (at most 100)."""
    return {item["project_id"] for item in session.get("/projects", params={"limit": 100}).json()["items"]}


@pytest.fixture(scope="module")
def studio_a(api, keys):
    with client(api, keys["studio-a"]) as session:
        yield session


@pytest.fixture(scope="module")
def studio_b(api, keys):
    with client(api, keys["studio-b"]) as session:
        yield session


@pytest.fixture(scope="module")
def rendered(stack, studio_a):
    """A tiny project submitted through the API and rendered for real into the service instance,
    with the run tags the SQS sensor gives its runs (partition key, job id, tenant)."""
    answer = studio_a.post("/projects", json={"screenplay": TINY_FILM, "settings": {"width": 320, "height": 180,
                                                                                     "fps": 8}})
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    run_id = render_in_process(instance, request, current_environment())
    yield {"request": request, "run_id": run_id, "instance": instance}
    instance.dispose()


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
        project_id, "studio-a", "render", 7)
    assert request.screenplay_key == f"projects/{project_id}/submission/screenplay.fountain"
    stored = stack.settings().media_store()
    assert stored.get_bytes(request.screenplay_key).decode() == TINY_FILM
    record = json.loads(stored.get_bytes(f"projects/{project_id}/submission/submission.json"))
    assert record["source_name"] == "screenplay.fountain" and record["settings"]["width"] == 1280

    status = studio_a.get(body["status_url"]).json()
    assert status["state"] == "queued" and status["latest_run"] is None
    assert [job["job_id"] for job in status["jobs"]] == [body["job_id"]]


def test_same_title_gives_distinct_unguessable_ids(studio_a, studio_b, stack):
    ids = {session.post("/projects", json={"screenplay": TINY_FILM}).json()["project_id"]
           for session in (studio_a, studio_a, studio_b)}
    assert len(ids) == 3 and all(pid.startswith("night-shift-") for pid in ids)
    untitled = studio_a.post("/projects", json={"screenplay": "INT. DINER - DAY\n\nRain.\n"}).json()["project_id"]
    assert untitled.startswith("untitled-")
    drain_queue(stack)


def test_multipart_upload_is_accepted(stack, studio_a):
    script = (EXAMPLES / "lighthouse.fountain").read_bytes()
    answer = studio_a.post("/projects", files={"file": ("keeper.fountain", script, "text/plain")},
                           data={"priority": "-3", "settings": json.dumps({"width": 640, "height": 360})})
    assert answer.status_code == 202, answer.text
    project_id = answer.json()["project_id"]
    assert project_id.startswith("the-last-keeper-")  # the title page's title wins over the file name
    request = received_request(stack, answer.json()["job_id"])
    assert request.priority == -3
    store = stack.settings().media_store()
    assert store.get_bytes(request.screenplay_key) == script
    record = json.loads(store.get_bytes(f"projects/{project_id}/submission/submission.json"))
    assert record["source_name"] == "keeper.fountain" and record["settings"]["width"] == 640

    untitled = studio_a.post("/projects", files={"file": ("C:\\scripts\\Diner Scene.fountain",
                                                          b"INT. DINER - DAY\n\nRain.\n")})
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
    "lone surrogate": ("POST", "/projects", {"content": b'{"screenplay": "INT. A - DAY\\n\\n\\ud800"}',
                                             "headers": {"content-type": "application/json"}}, 422),
    "non-UTF-8 JSON": ("POST", "/projects", {"content": b'{"screenplay": "\xff"}',
                                             "headers": {"content-type": "application/json"}}, 422),
    "plain text body": ("POST", "/projects", {"content": b"INT. A - DAY",
                                              "headers": {"content-type": "text/plain"}}, 415),
    "no content type": ("POST", "/projects", {"content": b"INT. A - DAY"}, 415),
    "multipart without file": ("POST", "/projects", {"files": {"title": (None, "x")}}, 422),
    "multipart text in file field": ("POST", "/projects", {"files": {"file": (None, "INT. A - DAY")}}, 422),
    "multipart unknown field": ("POST", "/projects", {"files": {"file": ("a.fountain", b"INT. A - DAY\n"),
                                                                "tenant": (None, "studio-b")}}, 422),
    "multipart bad settings": ("POST", "/projects", {"files": {"file": ("a.fountain", b"INT. A - DAY\n")},
                                                     "data": {"settings": "{"}}, 422),
    "multipart bad priority": ("POST", "/projects", {"files": {"file": ("a.fountain", b"INT. A - DAY\n")},
                                                     "data": {"priority": "high"}}, 422),
    "broken multipart": ("POST", "/projects", {"content": b"--x\r\nbroken", "headers": {
        "content-type": "multipart/form-data; boundary=x"}}, 422),
    "odd frame width": ("POST", "/projects", {"json": {"screenplay": TINY_FILM, "settings": {"width": 321}}}, 422),
    "NaN fps": ("POST", "/projects", {"content": b'{"screenplay": "INT. A - DAY", "settings": {"fps": NaN}}',
                                      "headers": {"content-type": "application/json"}}, 422),
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
        for method, path in (("GET", "/projects"), ("GET", f"/projects/{project_id}"), ("POST", "/projects"),
                             ("GET", f"/projects/{project_id}/final-cut"), ("POST", f"/projects/{project_id}/renders")):
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


def test_other_tenants_project_is_404(stack, rendered, studio_a, studio_b):
    project_id = rendered["request"].project_id
    drain_queue(stack)
    assert studio_a.get(f"/projects/{project_id}").status_code == 200
    assert studio_a.get(f"/projects/{project_id}/final-cut").status_code == 200
    for method, path, body in (("GET", f"/projects/{project_id}", None),
                               ("GET", f"/projects/{project_id}/final-cut", None),
                               ("POST", f"/projects/{project_id}/renders", {"shots": ["SQ010_SH010"]})):
        answer = studio_b.request(method, path, json=body)
        assert answer.status_code == 404, answer.text
        assert answer.json()["detail"] == f"no project {project_id!r}"  # the same words as a missing one
    assert project_id not in listed_ids(studio_b)
    assert drain_queue(stack, wait_s=1) == []


# --- limits -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_limit_api(stack, keys, tmp_path_factory):
    with api_process(stack.env, tmp_path_factory.mktemp("small-limit-logs"),
                     FILMSTUDIO_API_MAX_UPLOAD_BYTES=str(SMALL_LIMIT)) as url:
        with client(url, keys["studio-a"]) as session:
            yield session


def test_upload_over_limit_is_413(stack, small_limit_api):
    big = TINY_FILM + "\nRain.\n" * 400
    declared = small_limit_api.post("/projects", json={"screenplay": big})
    assert declared.status_code == 413 and str(SMALL_LIMIT) in declared.json()["detail"]
    multipart = small_limit_api.post("/projects", files={"file": ("big.fountain", big.encode())})
    assert multipart.status_code == 413

    def chunks():  # no Content-Length: the server has to count
        body = json.dumps({"screenplay": big}).encode()
        for start in range(0, len(body), 512):
            yield body[start:start + 512]

    chunked = small_limit_api.post("/projects", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.request.headers.get("transfer-encoding") == "chunked"
    assert chunked.status_code == 413 and str(SMALL_LIMIT) in chunked.json()["detail"]
    order = {"shots": ["SQ010_SH010"] * 200}  # every endpoint's body is limited, not only uploads
    assert small_limit_api.post("/projects/any-project/renders", json=order).status_code == 413
    streamed = small_limit_api.post("/projects/any-project/renders", content=iter([json.dumps(order).encode()]),
                                    headers={"content-type": "application/json"})
    assert streamed.request.headers.get("transfer-encoding") == "chunked" and streamed.status_code == 413

    small = small_limit_api.post("/projects", json={"screenplay": TINY_FILM})
    assert small.status_code == 202, small.text
    received_request(stack, small.json()["job_id"])


# --- listing ----------------------------------------------------------------------------------

def test_projects_are_paginated(stack, api, keys, studio_a):
    with client(api, keys["paging"]) as paging:
        made = [paging.post("/projects", json={"screenplay": TINY_FILM, "title": f"Reel {n}"}).json()["project_id"]
                for n in range(5)]
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


# --- status, lineage, final cut, re-renders ---------------------------------------------------

def test_status_shows_lineage_from_the_instance(rendered, studio_a):
    from dagster import AssetKey, AssetRecordsFilter

    request, instance = rendered["request"], rendered["instance"]
    status = studio_a.get(f"/projects/{request.project_id}")
    assert status.status_code == 200, status.text
    status = status.json()
    assert status["state"] == "succeeded"
    run = status["latest_run"]
    assert (run["run_id"], run["status"], run["job_id"], run["action"]) == (rendered["run_id"], "SUCCESS",
                                                                          request.job_id, "render")
    assert status["jobs"][0] == {**status["jobs"][0], "job_id": request.job_id, "run_id": rendered["run_id"],
                                 "run_status": "SUCCESS", "state": "succeeded"}
    assets = {asset["name"]: asset for asset in status["assets"]}
    assert all(asset["materialized"] and asset["run_id"] == rendered["run_id"] for asset in assets.values()), assets
    assert assets["screenplay"]["metadata"]["frame_size"] == "320x180"
    assert assets["final_cut"]["metadata"]["video"].endswith(f"projects/{request.project_id}/final_cut/final_cut.mp4")
    assert {column["name"] for column in assets["shot_list"]["metadata"]["shot_table"]["columns"]} >= {"code", "seed"}
    assert {check["name"] for check in status["checks"]} == {
        "loudness_on_target", "true_peak_within_ceiling", "every_line_heard_and_subtitled", "audio_video_in_sync"}
    assert all(check["passed"] for check in status["checks"]), status["checks"]
    assert status["final_cut_url"] == f"/projects/{request.project_id}/final-cut"

    record = instance.fetch_materializations(AssetRecordsFilter(
        asset_key=AssetKey("keyframes"), asset_partitions=[request.project_id]), limit=1).records[0]
    lineage = record.asset_materialization.metadata["shot_lineage"].data
    shots = status["shots"]
    assert [shot["code"] for shot in shots] == list(lineage) and len(shots) == assets["shot_list"]["metadata"]["shots"]
    for shot in shots:
        truth = lineage[shot["code"]]
        assert shot["prompt"] and shot["prompt"] == truth["prompt"]
        assert isinstance(shot["seed"], int) and shot["seed"] == truth["seed"]
        assert shot["renderer"] == truth["renderer"] and shot["renderer_version"] == truth["renderer_version"]
        assert shot["render_key"] == truth["render_key"] and shot["script_line"] == truth["script_line"]
    runs = instance.get_runs()
    assert [r.tags[JOB_ID_TAG] for r in runs] == [request.job_id]


def test_final_cut_is_a_presigned_url(stack, rendered, studio_a):
    project_id = rendered["request"].project_id
    answer = studio_a.get(f"/projects/{project_id}/final-cut")
    assert answer.status_code == 200, answer.text
    link = answer.json()
    assert link["expires_in"] > 0 and link["url"].startswith(stack.endpoint)
    video = httpx.get(link["url"], timeout=30)  # straight from the bucket, not through the API
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert video.content == stack.settings().media_store().get_bytes(f"projects/{project_id}/final_cut/final_cut.mp4")
    subtitles = httpx.get(studio_a.get(f"/projects/{project_id}/final-cut", params={"part": "subtitles"}).json()["url"])
    assert b"-->" in subtitles.content


def test_final_cut_streams_the_file_with_a_local_media_store(stack, keys, rendered, tmp_path_factory):
    """With the local profile the media is a folder beside the API: the film comes through the API."""
    home = tmp_path_factory.mktemp("local-home")
    with api_process(stack.env, tmp_path_factory.mktemp("local-logs"), FILMSTUDIO_PROFILE="local",
                     FILMSTUDIO_HOME=str(home)) as url, client(url, keys["studio-a"]) as session:
        answer = session.post("/projects", json={"screenplay": TINY_FILM, "settings": {"width": 320, "height": 180,
                                                                                        "fps": 8}})
        assert answer.status_code == 202, answer.text
        request = received_request(stack, answer.json()["job_id"])
        assert (home / "media" / request.screenplay_key).read_text() == TINY_FILM
        render_in_process(rendered["instance"], request, replace(current_environment(), profile="local", home=home))
        film = session.get(f"/projects/{request.project_id}/final-cut")
        assert film.status_code == 200 and film.headers["content-type"] == "video/mp4"
        assert film.content == (home / "media" / f"projects/{request.project_id}/final_cut/final_cut.mp4").read_bytes()
        subtitles = session.get(f"/projects/{request.project_id}/final-cut", params={"part": "subtitles"})
        assert subtitles.status_code == 200 and b"-->" in subtitles.content


def test_final_cut_is_404_until_rendered(stack, studio_a):
    project_id = studio_a.post("/projects", json={"screenplay": TINY_FILM}).json()["project_id"]
    answer = studio_a.get(f"/projects/{project_id}/final-cut")
    assert answer.status_code == 404 and "no final cut yet" in answer.json()["detail"]
    drain_queue(stack)


def test_rerender_of_unknown_shots_is_422(stack, rendered, studio_a):
    project_id = rendered["request"].project_id
    drain_queue(stack)
    answer = studio_a.post(f"/projects/{project_id}/renders", json={"shots": ["SQ010_SH010", "SQ990_SH990", "oops"]})
    assert answer.status_code == 422
    assert "SQ990_SH990" in answer.json()["detail"] and "oops" in answer.json()["detail"]
    assert "SQ010_SH010," not in answer.json()["detail"]  # only the unknown ones are named
    assert drain_queue(stack, wait_s=1) == []


def test_rerender_of_known_shots_enqueues_a_rerender_message(stack, rendered, studio_a):
    project_id, shots = rendered["request"].project_id, [s["code"] for s in studio_a.get(
        f"/projects/{rendered['request'].project_id}").json()["shots"]]
    answer = studio_a.post(f"/projects/{project_id}/renders",
                           json={"shots": shots[:1], "assets": ["keyframes", "shot_clips", "final_cut"],
                                 "priority": 50})
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    assert isinstance(request, RenderRequest)
    assert (request.action, request.shots, request.assets, request.priority, request.tenant) == (
        "rerender", shots[:1], ["keyframes", "shot_clips", "final_cut"], 50, "studio-a")
    assert request.screenplay_key == rendered["request"].screenplay_key
    status = studio_a.get(f"/projects/{project_id}").json()
    assert status["state"] == "queued" and status["latest_run"]["status"] == "SUCCESS"  # waiting for its run
    assert status["jobs"][0]["job_id"] == request.job_id and status["jobs"][0]["state"] == "queued"

    whole = studio_a.post(f"/projects/{project_id}/renders")  # no body: the whole project
    assert whole.status_code == 202
    assert received_request(stack, whole.json()["job_id"]).shots is None


# --- service ----------------------------------------------------------------------------------

def test_health(api):
    answer = httpx.get(f"{api}/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["checks"] == {"postgres": "ok", "queue": "ok"}


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
    assert schema["components"]["securitySchemes"]["ApiKey"] == {**schema["components"]["securitySchemes"]["ApiKey"],
                                                                "type": "apiKey", "in": "header", "name": "X-API-Key"}
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
        connection.execute(text(
            "INSERT INTO filmstudio_projects (project_id, tenant, title, source_name, created_at) "
            "SELECT 'bulk-' || n, 'studio-c', 'Bulk ' || n, 'bulk.fountain', now() - n * interval '1 second' "
            "FROM generate_series(1, 10000) AS n"))
        connection.execute(text("ANALYZE filmstudio_projects"))
        plan = "\n".join(connection.execute(text(
            "EXPLAIN SELECT * FROM filmstudio_projects WHERE tenant = 'studio-c' AND (created_at < now() OR "
            "(created_at = now() AND project_id < 'x')) ORDER BY created_at DESC, project_id DESC LIMIT 21")).scalars())
    engine.dispose()
    assert "ix_filmstudio_projects_tenant_created" in plan, plan
    assert "Sort" not in plan.split("Index")[0], plan  # rows come in index order: no sort of 10,000 rows

    studio_c = httpx.Client(base_url=str(studio_a.base_url), timeout=30,
                            headers={"X-API-Key": create_api_key(stack.postgres_url, "studio-c")})
    seen, cursor = [], None
    while True:
        page = studio_c.get("/projects", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["project_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"bulk-{n}" for n in range(1, 10001)]
