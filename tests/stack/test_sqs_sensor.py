"""The render_requests sensor against real parts: SQS and S3 on a moto server over HTTP, Dagster's
instance in a fresh Postgres database. Nothing is mocked.

No daemon runs here, so nothing turns a RunRequest into a run by itself. Where a test needs "the
run is recorded", it creates a real run record in the Postgres instance for render_film with the
tags the daemon would write (`record_run`); that stands in for the daemon, and is all the sensor
looks at. The end-to-end tests with a real daemon are in test_service_e2e.py.

Waiting out the queue's 4 s visibility timeout is done only where the wait is the promise; elsewhere
a message is made visible again at once with ChangeMessageVisibility(0), which is what the timeout
running out does.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, replace

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultSensorStatus,
    Definitions,
    RunRequest,
    SensorDefinition,
    SensorResult,
    build_sensor_context,
)
from dagster._core.storage.tags import PARTITION_NAME_TAG, RUN_KEY_TAG, SENSOR_NAME_TAG

from film_assets.contract import JOB_ID_TAG, PRIORITY_TAG, new_render_request
from film_assets.definitions import ASSETS, build_definitions
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.jobs import render_film
from film_assets.partitions import projects
from film_assets.storage.submission import load_rejection, submission_keys, submit_screenplay
from resources.profiles import Environment, ServiceSettings, build_resources
from resources.queue import REASON_ATTRIBUTE, SqsQueue, ensure_queues
from sensors.sqs import FAULT_ENV, InjectedSensorFault, build_render_requests_sensor

pytestmark = pytest.mark.service

SCRIPT = "Title: Night Shift\n\nINT. GARAGE - NIGHT\n\nMARA\nStill here?\n"
VISIBILITY_S = 4.3  # the test queue's visibility timeout (4 s) and a little


@dataclass
class Rig:
    """One test's sensor, wired like the service profile, and the real parts around it."""

    sensor: SensorDefinition
    defs: Definitions
    instance: DagsterInstance
    queue: SqsQueue
    store: object
    sqs: object

    def tick(self, cursor: str | None = None) -> SensorResult:
        with self.context(cursor) as context:
            return self.sensor(context)

    def context(self, cursor: str | None = None):
        # the instance's ref too, as the code server passes it: Dagster loads partitions through it
        return build_sensor_context(
            instance=self.instance,
            instance_ref=self.instance.get_ref(),
            cursor=cursor,
            definitions=self.defs,
            resources={"queue": self.queue, "media_store": self.store},
        )

    def submit(self, project: str, **fields):
        """Store a screenplay the way the API does and queue a render request for it."""
        submit_screenplay(self.store, project, SCRIPT, "x.fountain", ProjectSettings())
        return self.send(project, **fields)

    def send(self, project: str, tenant: str = "acme", **fields):
        fields.setdefault("screenplay_key", submission_keys(project)[0])
        request = new_render_request(project, tenant, **fields)
        self.queue.send(request.to_body())
        return request

    def record_run(self, run_request: RunRequest) -> None:
        """Stand-in for the daemon: a real run record with the tags it would write."""
        self.instance.create_run_for_job(
            job_def=self.defs.get_job_def(render_film.name),
            run_id=str(uuid.uuid4()),
            tags={
                **run_request.tags,
                PARTITION_NAME_TAG: run_request.partition_key,
                RUN_KEY_TAG: run_request.run_key,
                SENSOR_NAME_TAG: self.sensor.name,
            },
        )

    def settled(self) -> bool:
        return self.queue.depth() == {"visible": 0, "in_flight": 0}

    def make_visible(self, receipt_handle: str) -> None:
        """What the visibility timeout running out does, without the wait."""
        self.sqs.change_message_visibility(
            QueueUrl=self.queue.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=0
        )


def build_rig(
    stack, tmp_path, settings: ServiceSettings | None = None, receive_wait_s: int = 0, queue: SqsQueue | None = None
) -> Rig:
    settings = settings or stack.settings()
    sensor = build_render_requests_sensor(settings, receive_wait_s=receive_wait_s)
    resources = build_resources(Environment(profile="service", home=tmp_path, service=settings))
    if queue is not None:
        resources["queue"] = queue
    defs = Definitions(assets=ASSETS, jobs=[render_film], sensors=[sensor], resources=resources)
    return Rig(
        sensor=sensor,
        defs=defs,
        instance=stack.instance(),
        queue=resources["queue"],
        store=resources["media_store"],
        sqs=stack.sqs(),
    )


@pytest.fixture
def rig(service_stack, tmp_path) -> Rig:
    return build_rig(service_stack, tmp_path)


def pending_handles(cursor: str) -> dict[str, list[str]]:
    return {job_id: entry["handles"] for job_id, entry in json.loads(cursor)["pending"].items()}


def read_dead_letters(rig: Rig, expected: int) -> list[dict]:
    """Every message in the dead-letter queue, with its attributes, read over HTTP."""
    found, deadline = [], time.monotonic() + 10
    while len(found) < expected and time.monotonic() < deadline:
        response = rig.sqs.receive_message(
            QueueUrl=rig.queue.dead_letter_queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            VisibilityTimeout=30,
        )
        found.extend(response.get("Messages", []))
    return found


# --- the promises ----------------------------------------------------------------------------


def test_valid_message_requests_one_run_keyed_by_job_id_with_its_partition_and_priority(rig):
    request = rig.submit("night-shift", priority=42)
    with rig.context() as context:  # evaluate_tick resolves requests against the real job, as the daemon does
        tick = rig.sensor.evaluate_tick(context)

    assert [r.run_key for r in tick.run_requests] == [request.job_id]
    run_request = tick.run_requests[0]
    assert run_request.partition_key == "night-shift"
    assert run_request.tags[JOB_ID_TAG] == request.job_id
    assert run_request.tags[PRIORITY_TAG] == "42"
    assert run_request.tags[PARTITION_NAME_TAG] == "night-shift"
    assert run_request.asset_selection is None  # the whole graph
    [add] = tick.dynamic_partitions_requests
    assert (add.partitions_def_name, list(add.partition_keys)) == (projects.name, ["night-shift"])
    assert list(pending_handles(tick.cursor)) == [request.job_id]


def test_requested_assets_become_the_runs_asset_selection(rig):
    request = rig.submit("night-shift", assets=["keyframes", "shot_clips"])
    [run_request] = rig.tick().run_requests
    assert run_request.run_key == request.job_id
    assert run_request.asset_selection == [AssetKey("keyframes"), AssetKey("shot_clips")]


def test_message_is_deleted_only_once_its_run_is_recorded(rig):
    rig.submit("night-shift")
    first = rig.tick()
    [run_request] = first.run_requests
    assert rig.queue.depth() == {"visible": 0, "in_flight": 1}

    # no run yet (the daemon has not acted): the message stays, still pending
    second = rig.tick(first.cursor)
    assert second.skip_reason is not None and not second.run_requests
    assert rig.queue.depth()["in_flight"] == 1
    assert pending_handles(second.cursor) == pending_handles(first.cursor)

    rig.record_run(run_request)
    third = rig.tick(second.cursor)
    assert not third.run_requests and pending_handles(third.cursor) == {}
    assert rig.settled()


def test_redelivered_message_whose_run_exists_is_deleted_and_requests_nothing(rig):
    rig.submit("night-shift")
    first = rig.tick()
    rig.record_run(first.run_requests[0])
    # the cursor is lost (a daemon died after submitting the run) and the message comes back
    [handle] = next(iter(pending_handles(first.cursor).values()))
    rig.make_visible(handle)

    again = rig.tick(None)
    assert not again.run_requests and not again.dynamic_partitions_requests
    assert pending_handles(again.cursor) == {}
    assert rig.settled()


def test_refused_delete_is_let_go_and_the_message_is_deleted_when_it_comes_back(rig):
    rig.submit("night-shift")
    first = rig.tick()
    rig.record_run(first.run_requests[0])
    [(job_id, [handle])] = pending_handles(first.cursor).items()
    # a receipt handle SQS refuses, as it does an expired one
    cursor = json.dumps({"pending": {job_id: {"handles": ["expired-receipt-handle"], "since": time.time()}}})

    second = rig.tick(cursor)
    assert pending_handles(second.cursor) == {}
    assert rig.queue.depth()["in_flight"] == 1  # not deleted: it will come back

    rig.make_visible(handle)
    third = rig.tick(second.cursor)
    assert not third.run_requests
    assert rig.settled()


def test_pending_entry_whose_run_never_appears_is_forgotten_after_an_hour(rig):
    hour_ago = time.time() - 3700
    cursor = json.dumps({"pending": {str(uuid.uuid4()): {"handles": ["h"], "since": hour_ago}}})
    assert pending_handles(rig.tick(cursor).cursor) == {}


def test_duplicate_job_id_in_one_batch_requests_one_run(rig):
    request = rig.submit("night-shift")
    rig.queue.send(request.to_body())  # the API sent it twice
    first = rig.tick()
    assert [r.run_key for r in first.run_requests] == [request.job_id]
    assert len(pending_handles(first.cursor)[request.job_id]) == 2

    rig.record_run(first.run_requests[0])
    rig.tick(first.cursor)
    assert rig.settled()  # both copies deleted


def test_poison_messages_go_to_dead_letter_queue_with_their_reason(rig, capsys):
    good = rig.submit("night-shift")
    schema_v2 = {**json.loads(good.to_body()), "schema_version": 2, "job_id": str(uuid.uuid4())}
    too_urgent = {**json.loads(good.to_body()), "priority": 500, "job_id": str(uuid.uuid4())}
    rig.queue.send("{not json")
    rig.queue.send(json.dumps(schema_v2))
    rig.queue.send(json.dumps(too_urgent))
    unknown = rig.send("never-rendered", action="rerender")  # unknown project
    no_script = rig.send("no-script")  # nothing stored at its screenplay_key
    rig.send("night-shift", screenplay_key=submission_keys("other-project")[0])

    result = rig.tick()

    assert [r.run_key for r in result.run_requests] == [good.job_id]
    reasons = sorted(m["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] for m in read_dead_letters(rig, 6))
    assert len(reasons) == 6
    expected = [
        "bad JSON",
        "invalid render request: priority",
        "screenplay missing",
        "screenplay_key 'projects/other-project/",
        "unknown project 'never-rendered'",
        "unknown schema_version 2",
    ]
    for prefix in expected:
        assert sum(reason.startswith(prefix) for reason in reasons) == 1, (prefix, reasons)
    # gone from the main queue: only the good message is left, in flight
    assert rig.queue.depth() == {"visible": 0, "in_flight": 1}
    # the sensor's log (Dagster's console logger writes to stderr) names each message and reason
    warnings = [line for line in capsys.readouterr().err.splitlines() if "WARNING" in line and "dead-lettered" in line]
    assert len(warnings) == 6 and any("unknown schema_version 2" in line for line in warnings)
    # a readable request that was refused leaves its reason beside the submission, for the API
    assert load_rejection(rig.store, "never-rendered", unknown.job_id).startswith("unknown project")
    assert load_rejection(rig.store, "no-script", no_script.job_id).startswith("screenplay missing")
    assert load_rejection(rig.store, "night-shift", good.job_id) is None


def test_a_message_naming_another_tenants_project_goes_to_the_dead_letter_queue(rig):
    """Checked at every message, not only when the API took the submission: a message written onto
    the queue by anything else cannot render or re-render another studio's project."""
    first = rig.submit("harbour")  # acme's
    [run_request] = rig.tick().run_requests
    rig.instance.add_dynamic_partitions(projects.name, ["harbour"])
    rig.record_run(run_request)
    assert first.tenant == "acme"
    intruders = [
        rig.send("harbour", tenant="rival", action="rerender", shots=["SQ010_SH010"]),
        rig.send("harbour", tenant="rival"),
    ]
    own = rig.send("harbour", action="rerender", shots=["SQ010_SH010"])

    result = rig.tick()

    assert [r.run_key for r in result.run_requests] == [own.job_id]
    reasons = [m["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] for m in read_dead_letters(rig, 2)]
    # said to the intruder without naming the owner
    assert reasons == ["project 'harbour' belongs to another tenant than 'rival'"] * 2
    for request in intruders:
        assert "belongs to another tenant" in load_rejection(rig.store, request.project_id, request.job_id)


def test_rerender_of_a_registered_project_is_requested(rig):
    rig.instance.add_dynamic_partitions(projects.name, ["night-shift"])
    request = rig.submit("night-shift", action="rerender", shots=["SQ010_SH020"])
    result = rig.tick()
    assert [r.run_key for r in result.run_requests] == [request.job_id]
    assert not result.dynamic_partitions_requests  # already registered


def test_dailies_request_becomes_a_make_dailies_run_with_its_filter(rig):
    from datetime import UTC, datetime

    rig.instance.add_dynamic_partitions(projects.name, ["night-shift"])
    since = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    request = rig.submit("night-shift", action="dailies", unreviewed=True, since=since)
    unknown = rig.send("never-rendered", action="dailies")
    [run_request] = rig.tick().run_requests
    assert (run_request.run_key, run_request.job_name, run_request.partition_key) == (
        request.job_id,
        "make_dailies",
        "night-shift",
    )
    assert run_request.run_config == {
        "ops": {"dailies": {"config": {"unreviewed": True, "since": "2026-12-07T09:30:00+00:00"}}}
    }
    [dead] = read_dead_letters(rig, 1)
    assert json.loads(dead["Body"])["job_id"] == unknown.job_id
    assert load_rejection(rig.store, "never-rendered", unknown.job_id).startswith("unknown project")


def test_fault_after_receive_leaves_message_to_come_back_and_next_clean_tick_requests_it(rig, monkeypatch):
    request = rig.submit("night-shift")
    monkeypatch.setenv(FAULT_ENV, "after-receive")
    with pytest.raises(InjectedSensorFault):
        rig.tick()
    monkeypatch.delenv(FAULT_ENV)

    assert rig.tick().skip_reason is not None  # still hidden by its visibility timeout
    time.sleep(VISIBILITY_S)
    assert [r.run_key for r in rig.tick().run_requests] == [request.job_id]


def test_fault_before_delete_leaves_pending_message_and_later_clean_tick_deletes_it(rig, monkeypatch):
    rig.submit("night-shift")
    first = rig.tick()
    rig.record_run(first.run_requests[0])

    monkeypatch.setenv(FAULT_ENV, "before-delete")
    with pytest.raises(InjectedSensorFault):
        rig.tick(first.cursor)
    monkeypatch.delenv(FAULT_ENV)
    assert rig.queue.depth()["in_flight"] == 1  # the crash deleted nothing

    rig.tick(first.cursor)  # the cursor the failed tick left unchanged
    assert rig.settled()


def test_one_tick_takes_25_messages_in_batches_of_ten(service_stack, tmp_path):
    rig = build_rig(service_stack, tmp_path, receive_wait_s=1)  # the deployed long-poll wait
    sent = {rig.submit(f"film-{index:02d}").job_id for index in range(25)}
    result = rig.tick()
    assert {r.run_key for r in result.run_requests} == sent
    assert rig.queue.depth() == {"visible": 0, "in_flight": 25}


def test_one_tick_stops_at_its_time_budget_or_message_cap(service_stack, tmp_path):
    settings = service_stack.settings()
    hurried = build_rig(service_stack, tmp_path, settings=replace(settings, sensor_budget_s=0.001))
    capped = build_rig(service_stack, tmp_path, settings=replace(settings, sensor_max_messages=2))
    for index in range(15):
        hurried.submit(f"film-{index:02d}")
    assert len(hurried.tick().run_requests) == 10  # one receive, then the budget is spent
    assert len(capped.tick().run_requests) == 2
    assert hurried.queue.depth() == {"visible": 3, "in_flight": 12}


def test_message_received_more_than_max_receive_count_times_goes_to_dead_letter_queue(
    service_stack, tmp_path, monkeypatch
):
    queue_url, dlq_url = ensure_queues(
        service_stack.sqs(), f"redrive-{uuid.uuid4().hex[:8]}", visibility_timeout_s=1, max_receive_count=2
    )
    queue = SqsQueue(queue_url=queue_url, dead_letter_queue_url=dlq_url, endpoint_url=service_stack.endpoint)
    rig = build_rig(service_stack, tmp_path, queue=queue)
    request = rig.submit("night-shift")

    monkeypatch.setenv(FAULT_ENV, "after-receive")  # a message that crashes every tick
    for _ in range(2):
        with pytest.raises(InjectedSensorFault, match="1 message"):
            rig.tick()
        time.sleep(1.2)
    monkeypatch.delenv(FAULT_ENV)

    assert rig.tick().skip_reason is not None  # SQS moved it instead of delivering it a third time
    [dead] = read_dead_letters(rig, 1)
    assert json.loads(dead["Body"])["job_id"] == request.job_id
    assert rig.settled()


def test_sensor_follows_settings_and_is_wired_into_the_service_definitions(tmp_path):
    settings = ServiceSettings(
        queue_url="http://127.0.0.1:1/q", dead_letter_queue_url="http://127.0.0.1:1/dlq", sensor_interval_s=7
    )
    defs = build_definitions(Environment(profile="service", home=tmp_path, service=settings))
    sensor = defs.resolve_sensor_def("render_requests")
    assert sensor.minimum_interval_seconds == 7
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assert {job.name for job in sensor.jobs} == {render_film.name, "make_dailies"}  # dailies requests too
    assert sensor.required_resource_keys == {"queue", "media_store"}
