"""Service mode end to end, every part real: the API process, SQS and S3 on a moto server over
HTTP, the dagster-daemon running the SQS sensor, the run queue and run workers, and Dagster's
instance in Postgres. Nothing submitted may be lost or run twice, even across crashes."""

from __future__ import annotations

import httpx
import pytest
from dagster import DagsterRunStatus, RunsFilter

from film_assets.contract import JOB_ID_TAG, RenderRequest, new_render_request
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.run_states import WILL_RETRY_TAG
from film_assets.storage.submission import submission_keys, submit_screenplay
from tests.support.service_processes import api_server, dagster_daemon, wait_until

pytestmark = [pytest.mark.service, pytest.mark.slow]  # every test starts a dagster-daemon

SHORT_FILM = """Title: Two Lines

INT. KITCHEN - NIGHT

Mara fills the kettle.

MARA
You're late.

JONAH
I brought bread.
"""

FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
PARENT_RUN_TAG = "dagster/parent_run_id"  # Dagster's tag on a retry: the run it runs again


def _runs_for(instance, job_id: str):
    return instance.get_runs(RunsFilter(tags={JOB_ID_TAG: job_id}))


def _settled(instance, job_id: str):
    """The newest run of a job once it ended and no retry of it is coming, else None."""
    runs = _runs_for(instance, job_id)  # newest first
    if not runs or runs[0].status not in FINISHED:
        return None
    # Dagster tags every failed run with whether it will be retried, just after the failure
    ended = runs[0].status != DagsterRunStatus.FAILURE or runs[0].tags.get(WILL_RETRY_TAG) == "false"
    return runs[0] if ended else None


def _queue_is_empty(stack) -> bool:
    attributes = stack.sqs().get_queue_attributes(
        QueueUrl=stack.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        attributes["ApproximateNumberOfMessages"] == "0" and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    )


def _dead_letters(stack) -> list[dict]:
    return (
        stack.sqs()
        .receive_message(QueueUrl=stack.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        .get("Messages", [])
    )


def _quick_request(stack, project: str) -> RenderRequest:
    """A stored screenplay and a request for its first two assets only: these tests are about
    delivery guarantees, so the run itself is kept short."""
    store = stack.settings().media_store()
    submit_screenplay(store, project, SHORT_FILM, "two-lines.fountain", ProjectSettings(width=320, height=180))
    return new_render_request(project, "studio-a", submission_keys(project)[0], assets=["screenplay", "scenes"])


def test_submission_becomes_a_run_and_a_final_cut_with_lineage_in_postgres(service_stack, tmp_path):
    from api.keys import create_api_key

    key = create_api_key(service_stack.postgres_url, "studio-a")
    with dagster_daemon(service_stack.env, tmp_path) as daemon, api_server(service_stack.env, tmp_path) as api:
        client = httpx.Client(base_url=api, headers={"X-API-Key": key}, timeout=30)
        answer = client.post(
            "/projects",
            json={"screenplay": SHORT_FILM, "title": "Two Lines", "settings": {"width": 320, "height": 180}},
        )
        assert answer.status_code == 202, answer.text
        project = answer.json()["project_id"]

        def finished():
            status = client.get(f"/projects/{project}").json()
            run = status.get("latest_run") or {}
            return status if run.get("status") in ("SUCCESS", "FAILURE", "CANCELED") else None

        status = wait_until(finished, 240, f"project {project} to finish rendering", daemon, every_s=1)
        assert status["latest_run"]["status"] == "SUCCESS", status
        assets = {asset["name"]: asset for asset in status["assets"]}
        assert all(assets[name]["materialized"] for name in ("screenplay", "shot_list", "keyframes", "final_cut"))
        shots = status["shots"]
        assert shots and all(shot["prompt"] and isinstance(shot["seed"], int) and shot["renderer"] for shot in shots)

        cut = client.get(f"/projects/{project}/final-cut")
        assert cut.status_code == 200, cut.text
        video = httpx.get(cut.json()["url"], timeout=30).content
        assert video[4:8] == b"ftyp" and len(video) > 10_000

        # a director approves the first shot's take; then the daemon dies outright
        code = status["shots"][0]["code"]
        reviews = f"/projects/{project}/shots/{code}/versions/v001/reviews"
        approved = client.post(reviews, json={"state": "approved", "reviewer": "Ada", "note": "keep this one"})
        assert approved.status_code == 201, approved.text
        daemon.crash()

    # The lineage the API showed is the instance's own record in Postgres, read here directly.
    instance = service_stack.instance()
    runs = instance.get_runs(RunsFilter(tags={"dagster/partition": project}))
    assert len(runs) == 1 and runs[0].status == DagsterRunStatus.SUCCESS
    assert _queue_is_empty(service_stack)

    # A restarted API and daemon have lost no review, and the daemon's next run reads it: the shot
    # rendered again from the same inputs becomes v002, but the cut keeps the approved v001.
    with dagster_daemon(service_stack.env, tmp_path) as daemon, api_server(service_stack.env, tmp_path) as api:
        client = httpx.Client(base_url=api, headers={"X-API-Key": key}, timeout=30)
        assert client.get(reviews).json()["reviews"] == [approved.json()]
        again = client.post(f"/projects/{project}/renders", json={"shots": [code]})
        assert again.status_code == 202, again.text
        wait_until(
            lambda: [r for r in _runs_for(instance, again.json()["job_id"]) if r.status in FINISHED],
            240,
            "the re-render to finish",
            daemon,
        )
        [shot] = [s for s in client.get(f"/projects/{project}/takes").json()["shots"] if s["code"] == code]
        assert [take["version"] for take in shot["takes"]] == ["v001", "v002"]
        assert (shot["in_latest_cut"], shot["source"]) == ("v001", "approved")


def test_duplicate_delivery_gives_one_run(service_stack, tmp_path):
    request = _quick_request(service_stack, "twice-delivered")
    queue = service_stack.settings().queue()
    queue.send(request.to_body())
    queue.send(request.to_body())  # SQS may deliver a message twice; a retrying client may send twice
    instance = service_stack.instance()
    with dagster_daemon(service_stack.env, tmp_path) as daemon:
        wait_until(lambda: _queue_is_empty(service_stack), 90, "both deliveries to be consumed", daemon)
        run = wait_until(
            lambda: [r for r in _runs_for(instance, request.job_id) if r.status in FINISHED],
            90,
            "the run to finish",
            daemon,
        )[0]
    assert len(_runs_for(instance, request.job_id)) == 1
    assert run.status == DagsterRunStatus.SUCCESS
    assert _dead_letters(service_stack) == []


def test_two_runs_of_one_project_wait_for_each_other(service_stack, tmp_path):
    """The run queue's per-project limit (dagster.yaml): two runs of one film at once would race
    for its shot version numbers and final cut, so the second starts only after the first ended.
    Both are whole renders, which last far longer than the few seconds between two launches, so
    without the limit they would overlap (the stack allows two runs at once)."""
    store = service_stack.settings().media_store()
    submit_screenplay(
        store, "asked-twice", SHORT_FILM, "two-lines.fountain", ProjectSettings(width=160, height=90, fps=6)
    )
    requests = [new_render_request("asked-twice", "studio-a", submission_keys("asked-twice")[0]) for _ in range(2)]
    queue = service_stack.settings().queue()
    for request in requests:
        queue.send(request.to_body())
    instance = service_stack.instance()
    with dagster_daemon(service_stack.env, tmp_path) as daemon:

        def both_finished():
            records = instance.get_run_records(RunsFilter(tags={"dagster/partition": "asked-twice"}))
            return records if len(records) == 2 and all(r.dagster_run.status in FINISHED for r in records) else None

        records = wait_until(both_finished, 240, "both runs of the project to finish", daemon, every_s=1)
    assert all(record.dagster_run.status == DagsterRunStatus.SUCCESS for record in records)
    earlier, later = sorted(records, key=lambda record: record.start_time)
    assert later.start_time >= earlier.end_time, "the second run of a project started before the first ended"


def test_crash_between_run_request_and_delete_loses_and_duplicates_nothing(service_stack, tmp_path):
    request = _quick_request(service_stack, "crash-before-delete")
    service_stack.settings().queue().send(request.to_body())
    instance = service_stack.instance()
    # The sensor requests the run, the daemon records it, and every later tick fails just before
    # deleting the message; then the daemon is killed outright.
    with dagster_daemon(service_stack.env, tmp_path, FILMSTUDIO_SENSOR_FAULT="before-delete") as daemon:
        wait_until(lambda: _runs_for(instance, request.job_id), 90, "the run to be recorded", daemon)
        daemon.crash()
    assert not _queue_is_empty(service_stack), "the message must survive until its run is recorded and the delete runs"

    with dagster_daemon(service_stack.env, tmp_path) as daemon:  # back up, no fault
        wait_until(lambda: _queue_is_empty(service_stack), 90, "the message to be deleted after restart", daemon)
        # The kill took the run's worker with it if one had started: run monitoring then fails the
        # run (its worker is gone, or it never left STARTING) and Dagster's run retries run it again.
        newest = wait_until(lambda: _settled(instance, request.job_id), 240, "the run (or its retry) to end", daemon)
    assert newest.status == DagsterRunStatus.SUCCESS
    roots = [run for run in _runs_for(instance, request.job_id) if PARENT_RUN_TAG not in run.tags]
    assert len(roots) == 1, "one message, one run (a retry is that run again)"
    assert _dead_letters(service_stack) == []


def test_crash_inside_a_tick_leaves_the_message_to_come_back(service_stack, tmp_path):
    request = _quick_request(service_stack, "crash-after-receive")
    service_stack.settings().queue().send(request.to_body())
    instance = service_stack.instance()
    with dagster_daemon(service_stack.env, tmp_path, FILMSTUDIO_SENSOR_FAULT="after-receive") as daemon:
        wait_until(
            lambda: "InjectedSensorFault" in daemon.log_path.read_text(errors="replace") or _failed_ticks(instance),
            90,
            "a failed tick",
            daemon,
        )
        daemon.crash()
    assert _runs_for(instance, request.job_id) == []
    assert not _queue_is_empty(service_stack)

    with dagster_daemon(service_stack.env, tmp_path) as daemon:
        wait_until(lambda: _queue_is_empty(service_stack), 90, "the message to be handled after restart", daemon)
        wait_until(lambda: _runs_for(instance, request.job_id), 30, "its run", daemon)
    assert len(_runs_for(instance, request.job_id)) == 1


def test_poison_message_goes_to_dead_letter_queue_and_the_api_says_why(service_stack, tmp_path):
    from api.keys import create_api_key

    key = create_api_key(service_stack.postgres_url, "studio-a")
    queue = service_stack.settings().queue()
    queue.send("{not json")
    with api_server(service_stack.env, tmp_path) as api:
        client = httpx.Client(base_url=api, headers={"X-API-Key": key}, timeout=30)
        project = client.post("/projects", json={"screenplay": SHORT_FILM}).json()["project_id"]
        # the stored screenplay vanishes before the sensor gets to the request (a bucket cleanup)
        script_key = submission_keys(project)[0]
        service_stack.settings().media_store().client.delete_object(Bucket=service_stack.bucket, Key=script_key)
        with dagster_daemon(service_stack.env, tmp_path) as daemon:
            wait_until(lambda: _queue_is_empty(service_stack), 90, "the poison messages to leave the queue", daemon)
        status = client.get(f"/projects/{project}").json()
    assert status["state"] == "rejected"
    assert status["jobs"][0]["rejected_reason"].startswith("screenplay missing")

    reasons = {}
    for message in _dead_letters(service_stack) + _dead_letters(service_stack):
        reasons[message["Body"]] = message["MessageAttributes"]["reason"]["StringValue"]
    assert "{not json" in reasons and "JSON" in reasons.pop("{not json")
    assert [RenderRequest.model_validate_json(body).project_id for body in reasons] == [project]
    assert service_stack.instance().get_runs() == []


def _failed_ticks(instance) -> bool:
    from dagster._core.scheduler.instigation import TickStatus

    for state in instance.all_instigator_state():
        ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=5)
        if any(tick.status == TickStatus.FAILURE for tick in ticks):
            return True
    return False
