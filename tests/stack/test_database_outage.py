"""Postgres stopped for 30 s under a running stack (the API, the dagster-daemon with the SQS
sensor, moto): the API answers 503 with a reason and Retry-After, never 500; a request sent
during the outage is refused (to be retried) or waits durably on SQS; and everything heals when
Postgres is back, without restarting any of our processes. Postgres here is a private cluster the
test starts and stops itself (the machine's own server is shared with the other tests)."""

from __future__ import annotations

import shutil
import time

import httpx
import pytest
from dagster import DagsterRunStatus, RunsFilter

from api.keys import create_api_key
from bench.private_postgres import PrivatePostgres, private_postgres_folder
from film_assets.contract import JOB_ID_TAG, new_render_request
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.storage.submission import submission_keys, submit_screenplay
from tests.conftest import make_service_stack
from tests.support.service_processes import api_server, dagster_daemon, wait_until

pytestmark = [pytest.mark.service, pytest.mark.slow]

OUTAGE_S = 30
FILM = "Title: Lights Out\n\nINT. CELLAR - NIGHT\n\nThe bulb flickers.\n\nMARA\nWho turned it off?\n"
SMALL = {"width": 160, "height": 90, "fps": 6}


@pytest.fixture
def private_postgres():
    postgres = PrivatePostgres(private_postgres_folder())
    postgres.start()
    try:
        yield postgres
    finally:
        postgres.stop()
        shutil.rmtree(postgres.folder, ignore_errors=True)


def _finished_run(instance, job_id: str):
    runs = instance.get_runs(RunsFilter(tags={JOB_ID_TAG: job_id}))
    return runs[0] if runs and runs[0].status in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE) else None


def test_postgres_down_for_30_s_gives_503s_loses_nothing_and_heals(private_postgres, moto_endpoint, tmp_path):
    with make_service_stack(tmp_path / "stack", private_postgres.admin_url, moto_endpoint) as stack:
        key = create_api_key(stack.postgres_url, "studio-a")
        with dagster_daemon(stack.env, tmp_path) as daemon, api_server(stack.env, tmp_path) as api:
            client = httpx.Client(base_url=api, headers={"X-API-Key": key}, timeout=30)
            before = client.post("/projects", json={"screenplay": FILM, "settings": SMALL})
            assert before.status_code == 202, before.text
            project = before.json()["project_id"]

            private_postgres.stop()
            # A request that reaches the queue while the database is down: its screenplay is on S3
            # and its message on SQS, where it waits for the sensor.
            store = stack.settings().media_store()
            submit_screenplay(store, "sent-in-the-dark", FILM, "dark.fountain", ProjectSettings(**SMALL))
            queued = new_render_request("sent-in-the-dark", "studio-a", submission_keys("sent-in-the-dark")[0])
            stack.settings().queue().send(queued.to_body())

            answers, began = [], time.monotonic()
            while time.monotonic() - began < OUTAGE_S:
                for method, path, body in (
                    ("GET", "/health", None),
                    ("GET", "/projects", None),
                    ("GET", f"/projects/{project}", None),
                    ("POST", "/projects", {"screenplay": FILM, "settings": SMALL}),
                ):
                    answer = client.request(method, path, json=body)
                    answers.append((method, path, answer.status_code, answer.json(), answer.headers.get("Retry-After")))
                assert daemon.process.poll() is None, f"the daemon died with the database:\n{daemon.log_tail()}"
                time.sleep(1)
            assert answers and all(code == 503 for _, _, code, _, _ in answers), [a[:3] for a in answers if a[2] != 503]
            details = {body.get("detail") or body["checks"]["postgres"][:40] for *_, body, _ in answers}
            assert all("database" in detail or "OperationalError" in detail for detail in details), details
            assert all(retry for *_, retry in answers), "every refusal says when to retry"

            private_postgres.start()  # nothing of ours is restarted
            back = time.monotonic()
            wait_until(lambda: client.get("/projects").status_code == 200, 60, "the API to answer again", daemon)
            print(
                f"outage {OUTAGE_S} s: {len(answers)} API answers, all 503 with Retry-After; "
                f"answering again {time.monotonic() - back:.1f} s after Postgres came back"
            )
            after = client.post("/projects", json={"screenplay": FILM, "settings": SMALL})
            assert after.status_code == 202, after.text
            instance = stack.instance()
            for job_id in (before.json()["job_id"], queued.job_id, after.json()["job_id"]):
                run = wait_until(lambda job_id=job_id: _finished_run(instance, job_id), 240, f"job {job_id}", daemon)
                assert run.status == DagsterRunStatus.SUCCESS, job_id
            # nothing refused in the dark became a project, and nothing ran twice
            listed = {row["project_id"] for row in client.get("/projects").json()["items"]}
            assert listed == {project, after.json()["project_id"]}
            for job_id in (before.json()["job_id"], queued.job_id, after.json()["job_id"]):
                roots = instance.get_runs(RunsFilter(tags={JOB_ID_TAG: job_id}))
                assert len([run for run in roots if "dagster/parent_run_id" not in run.tags]) == 1
