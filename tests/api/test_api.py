"""The API as studios use it: a real uvicorn process over HTTP, Postgres for its tables and
Dagster's instance, SQS and S3 on the moto server. One project is rendered for real into the
service instance (the way the sensor's run would) so status, lineage and final cut are real."""

from __future__ import annotations

import time
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from film_assets.assets.qc_checks import QC_SPECS
from film_assets.contract import JOB_ID_TAG, RenderRequest
from resources.profiles import current_environment
from tests.support.api_helpers import (
    TINY_FILM,
    api_process,
    client,
    drain_queue,
    listed_ids,
    received_request,
    render_in_process,
)
from tests.support.fault_proxy import Fault, FaultProxy

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def rendered(stack, studio_a):
    """A tiny project submitted through the API and rendered for real into the service instance,
    with the run tags the SQS sensor gives its runs (partition key, job id, tenant)."""
    answer = studio_a.post(
        "/projects", json={"screenplay": TINY_FILM, "settings": {"width": 320, "height": 180, "fps": 8}}
    )
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    run_id = render_in_process(instance, request, current_environment())
    yield {"request": request, "run_id": run_id, "instance": instance}
    instance.dispose()


@pytest.mark.slow  # `rendered` renders a film into the service instance (~15 s)
def test_other_tenants_project_is_404(stack, rendered, studio_a, studio_b):
    project_id = rendered["request"].project_id
    drain_queue(stack)
    assert studio_a.get(f"/projects/{project_id}").status_code == 200
    assert studio_a.get(f"/projects/{project_id}/final-cut").status_code == 200
    for method, path, body in (
        ("GET", f"/projects/{project_id}", None),
        ("GET", f"/projects/{project_id}/final-cut", None),
        ("POST", f"/projects/{project_id}/renders", {"shots": ["SQ010_SH010"]}),
    ):
        answer = studio_b.request(method, path, json=body)
        assert answer.status_code == 404, answer.text
        assert answer.json()["detail"] == f"no project {project_id!r}"  # the same words as a missing one
    assert project_id not in listed_ids(studio_b)
    assert drain_queue(stack, wait_s=1) == []


# --- status, lineage, final cut, re-renders ---------------------------------------------------


@pytest.mark.slow  # `rendered` renders a film into the service instance (~15 s)
def test_status_shows_lineage_from_the_instance(rendered, studio_a):
    from dagster import AssetKey, AssetRecordsFilter

    request, instance = rendered["request"], rendered["instance"]
    status = studio_a.get(f"/projects/{request.project_id}")
    assert status.status_code == 200, status.text
    status = status.json()
    assert status["state"] == "succeeded"
    run = status["latest_run"]
    assert (run["run_id"], run["status"], run["job_id"], run["action"]) == (
        rendered["run_id"],
        "SUCCESS",
        request.job_id,
        "render",
    )
    assert status["jobs"][0] == {
        **status["jobs"][0],
        "job_id": request.job_id,
        "run_id": rendered["run_id"],
        "run_status": "SUCCESS",
        "state": "succeeded",
    }
    assets = {asset["name"]: asset for asset in status["assets"]}
    assert all(asset["materialized"] and asset["run_id"] == rendered["run_id"] for asset in assets.values()), assets
    assert assets["screenplay"]["metadata"]["frame_size"] == "320x180"
    assert assets["final_cut"]["metadata"]["video"].endswith(f"projects/{request.project_id}/final_cut/final_cut.mp4")
    assert {column["name"] for column in assets["shot_list"]["metadata"]["shot_table"]["columns"]} >= {"code", "seed"}
    # the four delivery checks and the production QC checks of the run (docs/quality-checks.md)
    assert {check["name"] for check in status["checks"]} == {
        "loudness_on_target",
        "true_peak_within_ceiling",
        "every_line_heard_and_subtitled",
        "audio_video_in_sync",
        *(spec.name for spec in QC_SPECS),
        "no_unasked_black_or_freeze",
    }
    assert all(check["passed"] for check in status["checks"]), status["checks"]
    assert status["state"] == "succeeded" and status["qc"]["passed"], status["qc"]
    assert status["final_cut_url"] == f"/projects/{request.project_id}/final-cut"

    record = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("keyframes"), asset_partitions=[request.project_id]), limit=1
    ).records[0]
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


@pytest.mark.slow  # `rendered` renders a film into the service instance (~15 s)
def test_final_cut_is_a_presigned_url(stack, rendered, studio_a):
    project_id = rendered["request"].project_id
    answer = studio_a.get(f"/projects/{project_id}/final-cut")
    assert answer.status_code == 200, answer.text
    link = answer.json()
    assert link["url"].startswith(stack.endpoint)
    # minutes, not hours, and for this one object only (its key is in the signed path)
    query = parse_qs(urlsplit(link["url"]).query)
    lives = int(query["X-Amz-Expires"][0]) if "X-Amz-Expires" in query else int(query["Expires"][0]) - time.time()
    assert link["expires_in"] == 300 and 290 <= lives <= 300, link  # signature v4 or v2, as boto3 signs
    assert urlsplit(link["url"]).path.endswith(f"projects/{project_id}/final_cut/final_cut.mp4")
    video = httpx.get(link["url"], timeout=30)  # straight from the bucket, not through the API
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert video.content == stack.settings().media_store().get_bytes(f"projects/{project_id}/final_cut/final_cut.mp4")
    subtitles = httpx.get(studio_a.get(f"/projects/{project_id}/final-cut", params={"part": "subtitles"}).json()["url"])
    assert b"-->" in subtitles.content


@pytest.mark.slow  # `rendered` renders a film into the service instance (~15 s)
def test_final_cut_streams_the_file_with_a_local_media_store(stack, keys, rendered, tmp_path_factory):
    """With the local profile the media is a folder beside the API: the film comes through the API."""
    home = tmp_path_factory.mktemp("local-home")
    with (
        api_process(
            stack.env, tmp_path_factory.mktemp("local-logs"), FILMSTUDIO_PROFILE="local", FILMSTUDIO_HOME=str(home)
        ) as url,
        client(url, keys["studio-a"]) as session,
    ):
        answer = session.post(
            "/projects", json={"screenplay": TINY_FILM, "settings": {"width": 320, "height": 180, "fps": 8}}
        )
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


@pytest.mark.slow  # `rendered` renders a film into the service instance (~15 s)
def test_rerender_of_unknown_shots_is_422(stack, rendered, studio_a):
    project_id = rendered["request"].project_id
    drain_queue(stack)
    answer = studio_a.post(f"/projects/{project_id}/renders", json={"shots": ["SQ010_SH010", "SQ990_SH990", "oops"]})
    assert answer.status_code == 422
    assert "SQ990_SH990" in answer.json()["detail"] and "oops" in answer.json()["detail"]
    assert "SQ010_SH010," not in answer.json()["detail"]  # only the unknown ones are named
    assert drain_queue(stack, wait_s=1) == []


@pytest.mark.slow  # `rendered` renders a film into the service instance (~15 s)
def test_rerender_of_known_shots_enqueues_a_rerender_message(stack, rendered, studio_a):
    project_id, shots = (
        rendered["request"].project_id,
        [s["code"] for s in studio_a.get(f"/projects/{rendered['request'].project_id}").json()["shots"]],
    )
    answer = studio_a.post(
        f"/projects/{project_id}/renders",
        json={"shots": shots[:1], "assets": ["keyframes", "shot_clips", "final_cut"], "priority": 50},
    )
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    assert isinstance(request, RenderRequest)
    assert (request.action, request.shots, request.assets, request.priority, request.tenant) == (
        "rerender",
        shots[:1],
        ["keyframes", "shot_clips", "final_cut"],
        50,
        "studio-a",
    )
    assert request.screenplay_key == rendered["request"].screenplay_key
    status = studio_a.get(f"/projects/{project_id}").json()
    assert status["state"] == "queued" and status["latest_run"]["status"] == "SUCCESS"  # waiting for its run
    assert status["jobs"][0]["job_id"] == request.job_id and status["jobs"][0]["state"] == "queued"

    whole = studio_a.post(f"/projects/{project_id}/renders")  # no body: the whole project
    assert whole.status_code == 202
    assert received_request(stack, whole.json()["job_id"]).shots is None


@pytest.mark.slow  # a second API process of its own (~6 s)
def test_a_media_store_failing_under_a_read_is_503_with_retry_after(stack, keys, rendered, tmp_path_factory):
    """S3 answering 500 to every read of the project (a fault-injecting proxy in front of the moto
    server): the API names the storage and asks the client to retry, never a 500; healed, it answers."""
    project_id = rendered["request"].project_id
    proxy = FaultProxy(stack.endpoint)
    try:
        with (
            api_process(stack.env, tmp_path_factory.mktemp("s3-fault-logs"), AWS_ENDPOINT_URL=proxy.url) as url,
            client(url, keys["studio-a"]) as session,
        ):
            proxy.break_with(Fault(status=500, method="GET", path_contains=f"/projects/{project_id}/"))
            answer = session.get(f"/projects/{project_id}/final-cut")
            assert answer.status_code == 503 and answer.headers["retry-after"], answer.text
            assert "media store" in answer.json()["detail"]
            assert any(status == 500 for _, _, status in proxy.seen)  # the fault was met, not bypassed
            proxy.heal()
            assert session.get(f"/projects/{project_id}/final-cut").status_code == 200
    finally:
        proxy.close()
