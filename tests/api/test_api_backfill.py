"""POST /backfills and GET /backfills/{id} over HTTP against a real uvicorn process, Postgres and
moto: a backfill of a tenant's projects is recorded in Dagster's instance (the daemon's work, not
the API's) with their partitions and the tenant's tag; other tenants' projects and backfills are
as absent as missing ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest
from dagster import AssetKey, DagsterRunStatus, RunsFilter
from dagster._core.execution.backfill import BulkActionStatus

from api.keys import create_api_key
from film_assets.contract import TENANT_TAG
from film_assets.partitions import projects as projects_partitions
from film_assets.runs.backfills import BACKFILL_ID_TAG
from film_assets.runs.run_origin import code_location_name
from tests.support.api_helpers import TINY_FILM, api_process
from tests.support.service_processes import api_server, dagster_daemon, wait_until

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def api(stack, tmp_path_factory):
    with api_process(stack.env, tmp_path_factory.mktemp("backfill-api-logs")) as url:
        yield url


@pytest.fixture(scope="module")
def instance(stack):
    instance = stack.instance()
    yield instance
    instance.dispose()


@pytest.fixture(scope="module")
def sessions(api, stack):
    clients = {
        tenant: httpx.Client(
            base_url=api, headers={"X-API-Key": create_api_key(stack.postgres_url, tenant)}, timeout=30
        )
        for tenant in ("studio-a", "studio-b", "studio-c")
    }
    yield clients
    for client in clients.values():
        client.close()


def submit(session: httpx.Client, instance, started: bool = True) -> str:
    """A project submitted through the API; with `started`, its partition registered as the SQS
    sensor registers it when the first render starts."""
    answer = session.post("/projects", json={"screenplay": TINY_FILM, "settings": {"width": 320, "height": 180}})
    assert answer.status_code == 202, answer.text
    project = answer.json()["project_id"]
    if started:
        instance.add_dynamic_partitions(projects_partitions.name, [project])
    return project


def test_backfill_of_your_projects_is_recorded_with_their_partitions_and_your_tag(sessions, instance):
    studio_a = sessions["studio-a"]
    first, second = submit(studio_a, instance), submit(studio_a, instance)
    answer = studio_a.post("/backfills", json={"projects": [second, first, second], "assets": ["keyframes"]})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    backfill_id = body["backfill_id"]
    assert body["projects"] == [second, first]
    assert body["assets"] == ["keyframes", "shot_clips", "final_cut"]  # and everything downstream
    assert body["status_url"] == answer.headers["location"] == f"/backfills/{backfill_id}"

    backfill = instance.get_backfill(backfill_id)
    assert backfill.status == BulkActionStatus.REQUESTED  # the daemon's to run; the API ran nothing
    assert backfill.tags[TENANT_TAG] == "studio-a"
    # a backfill of render_film (its runs show under the job in the UI), over these partitions
    assert sorted(backfill.partition_names) == sorted([first, second])
    assert backfill.partition_set_origin.partition_set_name == "render_film_partition_set"
    assert backfill.partition_set_origin.repository_origin.code_location_origin.location_name == code_location_name()
    assert backfill.asset_selection == [AssetKey("keyframes"), AssetKey("shot_clips"), AssetKey("final_cut")]
    assert instance.get_runs() == []

    status = studio_a.get(body["status_url"])
    assert status.status_code == 200, status.text
    assert status.json() | {"created_at": None} == {
        "backfill_id": backfill_id,
        "status": "REQUESTED",
        "state": "queued",
        "projects": sorted([first, second]),
        "assets": ["keyframes", "shot_clips", "final_cut"],
        "runs": {"total": 0, "finished": 0, "failed": 0},
        "created_at": None,
        "ended_at": None,
        "error": None,
    }


def test_all_means_every_project_of_yours_that_has_started(sessions, instance):
    studio_c = sessions["studio-c"]
    started = [submit(studio_c, instance), submit(studio_c, instance)]
    waiting = submit(studio_c, instance, started=False)
    submit(sessions["studio-b"], instance)  # someone else's
    answer = studio_c.post("/backfills", json={"all": True})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["projects"] == started and body["skipped"] == [waiting]
    assert len(body["assets"]) == 9
    backfill = instance.get_backfill(body["backfill_id"])
    assert sorted(backfill.partition_names) == sorted(started)


def test_another_tenants_projects_and_backfills_are_not_found(sessions, instance):
    studio_a, studio_b = sessions["studio-a"], sessions["studio-b"]
    theirs, mine = submit(studio_a, instance), submit(studio_b, instance)
    before = len(instance.get_backfills())
    refused = studio_b.post("/backfills", json={"projects": [mine, theirs, "no-such-film"]})
    assert refused.status_code == 404, refused.text
    assert refused.json()["detail"] == f"no projects {theirs}, no-such-film"
    assert len(instance.get_backfills()) == before  # nothing recorded

    backfill_id = studio_a.post("/backfills", json={"projects": [theirs]}).json()["backfill_id"]
    assert studio_b.get(f"/backfills/{backfill_id}").status_code == 404
    for unknown in ("abcdefgh", "Not..An-Id"):
        answer = studio_a.get(f"/backfills/{unknown}")
        assert answer.status_code == 404 and "no backfill" in answer.json()["detail"]
    assert httpx.get(f"{studio_a.base_url}/backfills/{backfill_id}").status_code == 401


def test_bad_orders_are_refused_naming_the_problem(sessions, instance):
    studio_a = sessions["studio-a"]
    project = submit(studio_a, instance)
    not_started = submit(studio_a, instance, started=False)
    before = len(instance.get_backfills())
    for body, status, message in [
        ({}, 422, "either `projects`"),
        ({"projects": [project], "all": True}, 422, "either `projects`"),
        ({"projects": []}, 422, "projects"),
        ({"all": True, "assets": ["storyboards"]}, 422, "assets.0"),
        ({"projects": [project], "shots": ["SQ010_SH010"]}, 422, "shots"),
        ({"projects": [project, not_started]}, 409, f"project {not_started} has not started rendering"),
    ]:
        answer = studio_a.post("/backfills", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert message in answer.json()["detail"], (body, answer.text)
    assert len(instance.get_backfills()) == before


@pytest.mark.slow  # a dagster-daemon renders
def test_the_stack_daemon_runs_backfills_from_the_api_and_the_cli(service_stack, tmp_path):
    """Service mode, every part real: the sensor renders two submissions, then one backfill comes
    through the API and one through `filmstudio backfill` on the service profile; the stack's
    daemon runs both, one run per project, tagged with the backfill (and the API's with the tenant)."""
    key = create_api_key(service_stack.postgres_url, "studio-a")
    instance = service_stack.instance()
    with dagster_daemon(service_stack.env, tmp_path) as daemon, api_server(service_stack.env, tmp_path) as api:
        client = httpx.Client(base_url=api, headers={"X-API-Key": key}, timeout=30)
        film = {"screenplay": TINY_FILM, "settings": {"width": 320, "height": 180, "fps": 8}}
        by_api, by_cli = (client.post("/projects", json=film).json()["project_id"] for _ in range(2))

        def rendered():
            runs = instance.get_runs(RunsFilter(tags={"dagster/partition": [by_api, by_cli]}))
            return len(runs) == 2 and all(run.status == DagsterRunStatus.SUCCESS for run in runs)

        wait_until(rendered, 180, "the first renders", daemon, every_s=1)
        answer = client.post("/backfills", json={"projects": [by_api]})
        assert answer.status_code == 202, answer.text
        status_url = answer.json()["status_url"]
        cli = subprocess.run(
            [sys.executable, "-m", "film_assets.cli", "backfill", "--projects", by_cli, "--json"],
            capture_output=True,
            text=True,
            env=dict(os.environ),
            timeout=240,
        )
        assert cli.returncode == 0, cli.stderr
        assert "the stack's dagster-daemon runs it" in cli.stderr
        cli_backfill = json.loads(cli.stdout)
        assert cli_backfill["status"] == "COMPLETED_SUCCESS" and cli_backfill["projects"] == [by_cli]

        def ended():
            status = client.get(status_url).json()
            return status if status["state"] not in ("queued", "running") else None

        status = wait_until(ended, 120, "the API's backfill to end", daemon, every_s=1)
        assert status["state"] == "succeeded" and status["status"] == "COMPLETED_SUCCESS", status
        assert status["runs"] == {"total": 1, "finished": 1, "failed": 0}
        assert client.get(f"/backfills/{cli_backfill['backfill_id']}").status_code == 404  # not a tenant's

    runs = instance.get_runs(RunsFilter(tags={BACKFILL_ID_TAG: answer.json()["backfill_id"]}))
    assert [(run.tags["dagster/partition"], run.tags[TENANT_TAG], run.status) for run in runs] == [
        (by_api, "studio-a", DagsterRunStatus.SUCCESS)
    ]
    instance.dispose()
