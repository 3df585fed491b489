"""The `render_requests` sensor: SQS render requests in, one project partition and run each out.

SQS delivers at least once and a tick can die anywhere, so a message is deleted only once its run
is recorded in the instance. One tick:

1. settles earlier ticks: messages remembered in the cursor as pending whose run now exists (the
   daemon creates runs after the tick returns) are deleted; entries older than an hour are dropped;
2. receives in batches of up to 10 until the queue answers empty, `sensor_max_messages` are in
   hand or `sensor_budget_s` is spent;
3. per message: poison (bad JSON, wrong or unknown schema, a re-render of an unknown project, a
   screenplay outside its project or not stored) goes to the dead-letter queue with its reason;
   a job whose run already exists (a redelivery) is deleted now; any other job becomes one
   `RunRequest(run_key=job_id)` (duplicates in the batch fold into it) and a pending entry;
4. returns partition add requests, run requests and the new cursor in one `SensorResult`.

A tick that raises changes neither cursor nor queue: its messages come back after the visibility
timeout and are requested again; `run_key` stops a second run. A delete SQS refuses (an expired
receipt handle) is let go: that message comes back and is deleted then, as its run exists.
A message that crashes every tick is moved to the dead-letter queue by SQS's redrive policy.

Test seam, for crash tests only: FILMSTUDIO_SENSOR_FAULT, read at every tick, makes the tick raise
`InjectedSensorFault` at a chosen point: `after-receive` (messages received, nothing yielded or
deleted) or `before-delete` (just before deleting pending messages whose run is recorded).
Never set it in a deployment.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from film_assets.contract import JOB_ID_TAG, TENANT_TAG, RenderRequest
from film_assets.jobs import MAKE_DAILIES, RENDER_FILM, make_dailies, render_film
from film_assets.partitions import projects
from film_assets.storage.submission import record_rejection
from resources.media_store import MediaStore
from resources.profiles import ServiceSettings
from resources.queue import QueueMessage, SqsQueue
from sensors.render_messages import PENDING_TTL_S, PendingMessages, PoisonMessage, check_request, read_request

SENSOR_NAME = "render_requests"
FAULT_ENV = "FILMSTUDIO_SENSOR_FAULT"
FAULTS = ("after-receive", "before-delete")
# Long polling asks every SQS server, so an empty answer means an empty queue (a short poll can
# come back empty while messages wait); one second per idle tick is the price.
RECEIVE_WAIT_S = 1


class InjectedSensorFault(RuntimeError):
    """Raised on purpose by the FILMSTUDIO_SENSOR_FAULT test seam, to prove a crash loses nothing."""


def build_render_requests_sensor(
    settings: ServiceSettings, receive_wait_s: int = RECEIVE_WAIT_S, jobs: list | None = None
) -> SensorDefinition:
    """The sensor for the service profile; `receive_wait_s` is the long-poll wait of each receive
    (tests against moto, which answers exactly, pass 0). `jobs` are the render_film and
    make_dailies the Definitions hold (prod's render_film carries a retry policy)."""

    @sensor(
        name=SENSOR_NAME,
        jobs=jobs or [render_film, make_dailies],
        minimum_interval_seconds=settings.sensor_interval_s,
        default_status=DefaultSensorStatus.RUNNING,
        description="Turns SQS render requests into project partitions and render_film runs (make_dailies "
        "runs for dailies requests; run_key = job_id); poison messages go to the dead-letter queue.",
    )
    def render_requests(context: SensorEvaluationContext, queue: SqsQueue, media_store: MediaStore):
        return evaluate_render_requests(context, queue, media_store, settings, receive_wait_s)

    return render_requests


@dataclass
class _Job:
    """One job id seen this tick: its request and every message carrying it."""

    request: RenderRequest
    messages: list[QueueMessage] = field(default_factory=list)


def evaluate_render_requests(
    context: SensorEvaluationContext,
    queue: SqsQueue,
    media_store: MediaStore,
    settings: ServiceSettings,
    receive_wait_s: int = RECEIVE_WAIT_S,
) -> SensorResult:
    fault = _injected_fault()
    instance = context.instance
    pending = PendingMessages.from_cursor(context.cursor)
    if pending.unreadable_cursor:
        context.log.warning(f"{SENSOR_NAME}: cursor unreadable, starting afresh (undeleted messages come back)")
    now = time.time()

    # 1. settle earlier ticks: a recorded run makes its message safe to delete
    settled = pending.take(recorded_job_ids(instance, pending.job_ids()))
    if settled and fault == "before-delete":
        raise InjectedSensorFault(f"{FAULT_ENV}=before-delete: {len(settled)} recorded message(s) left undeleted")
    refused = queue.delete(settled) if settled else []
    stale = pending.drop_older_than(now - PENDING_TTL_S)

    # 2. receive
    messages = _receive(queue, settings, receive_wait_s)
    if fault == "after-receive":
        raise InjectedSensorFault(f"{FAULT_ENV}=after-receive: {len(messages)} message(s) received, none handled")

    # 3. sort: poison out, one job per job id
    jobs: dict[str, _Job] = {}
    dead_lettered = 0
    for message in messages:
        try:
            request = read_request(message.body)
        except PoisonMessage as poison:
            _dead_letter(context, queue, message, poison.reason)
            dead_lettered += 1
            continue
        jobs.setdefault(request.job_id, _Job(request)).messages.append(message)

    recorded = recorded_job_ids(instance, list(jobs))
    redelivered = [m.receipt_handle for job_id in sorted(recorded) for m in jobs.pop(job_id).messages]
    refused += queue.delete(redelivered) if redelivered else []

    run_requests, new_projects = [], []
    owners: dict[str, str | None] = {}  # project -> its tenant, looked up once per tick
    for job_id, job in jobs.items():
        request = job.request
        # Only a rerender needs its project registered already; a render earlier in this batch
        # counts, as partitions are added before any run starts. A render asks for its key without
        # a lookup: the daemon skips keys that exist (and looks each one up anyway).
        known = (
            request.action == "render"
            or request.project_id in new_projects
            or instance.has_dynamic_partition(projects.name, request.project_id)
        )
        if request.project_id not in owners:
            owners[request.project_id] = project_owner(instance, request.project_id)
        try:
            check_request(request, media_store, known, owners[request.project_id])
        except PoisonMessage as poison:
            for message in job.messages:
                _dead_letter(context, queue, message, poison.reason)
            dead_lettered += len(job.messages)
            _note_rejection(context, media_store, request, poison.reason)
            continue
        if request.action == "render" and request.project_id not in new_projects:
            new_projects.append(request.project_id)
        owners[request.project_id] = owners[request.project_id] or request.tenant  # a new project's first
        run_requests.append(_run_request(request))
        pending.add(job_id, [m.receipt_handle for m in job.messages], now)

    if refused:
        context.log.info(
            f"{SENSOR_NAME}: SQS refused {len(refused)} delete(s) (expired receipt handles); "
            "those messages come back and are deleted then"
        )
    summary = (
        f"received {len(messages)}, requested {len(run_requests)}, "
        f"deleted {len(settled) + len(redelivered) - len(refused)} "
        f"({len(settled)} settled from earlier ticks, {len(redelivered)} already run), "
        f"dead-lettered {dead_lettered}, pending {len(pending)}" + (f", forgot {len(stale)} stale" if stale else "")
    )
    context.log.info(f"{SENSOR_NAME}: {summary}")
    return SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[projects.build_add_request(new_projects)] if new_projects else [],
        skip_reason=None
        if run_requests
        else SkipReason("no render requests in the queue" if not messages else f"no new render requests: {summary}"),
        cursor=pending.to_cursor(),
    )


def _run_request(request: RenderRequest) -> RunRequest:
    if request.action == "dailies":
        return RunRequest(
            run_key=request.job_id,
            job_name=MAKE_DAILIES,
            partition_key=request.project_id,
            tags=request.run_tags(),
            run_config={"ops": {"dailies": {"config": request.dailies_config()}}},
        )
    return RunRequest(
        run_key=request.job_id,
        job_name=RENDER_FILM,
        partition_key=request.project_id,
        tags=request.run_tags(),
        asset_selection=[AssetKey(name) for name in request.assets] if request.assets else None,
    )


PARTITION_TAG = "dagster/partition"  # the tag Dagster puts on a partitioned run (its public name)


def project_owner(instance: DagsterInstance, project_id: str) -> str | None:
    """The tenant of the project's first run, who submitted it; None before any run (or for a
    project made by a local run, which has no tenant). Checked for every message, so a message
    can never name another tenant's project, whatever wrote it onto the queue."""
    first = instance.get_run_records(RunsFilter(tags={PARTITION_TAG: project_id}), limit=1, ascending=True)
    return first[0].dagster_run.tags.get(TENANT_TAG) if first else None


def recorded_job_ids(instance: DagsterInstance, job_ids: list[str]) -> set[str]:
    """The job ids that already have a run in the instance (one query for all of them)."""
    if not job_ids:
        return set()
    runs = instance.get_runs(RunsFilter(tags={JOB_ID_TAG: sorted(set(job_ids))}))
    return {run.tags[JOB_ID_TAG] for run in runs} & set(job_ids)


def _receive(queue: SqsQueue, settings: ServiceSettings, receive_wait_s: int) -> list[QueueMessage]:
    """Batches of up to 10 until a batch comes back short, the tick's message cap or its time budget.

    Only the first receive long-polls: once messages flow, waiting on the last (empty) receive
    would add a second to every busy tick. A short batch ends the tick; anything SQS held back
    is taken by the next tick, seconds later."""
    deadline = time.monotonic() + settings.sensor_budget_s
    messages: list[QueueMessage] = []
    wait_s = receive_wait_s
    while len(messages) < settings.sensor_max_messages:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        wanted = min(10, settings.sensor_max_messages - len(messages))
        batch = queue.receive(max_messages=wanted, wait_seconds=max(0, min(wait_s, int(remaining))))
        messages.extend(batch)
        if len(batch) < wanted:
            break
        wait_s = 0
    return messages


def _dead_letter(context: SensorEvaluationContext, queue: SqsQueue, message: QueueMessage, reason: str) -> None:
    queue.dead_letter(message, reason)
    context.log.warning(f"{SENSOR_NAME}: message {message.message_id} dead-lettered: {reason}")


def _note_rejection(
    context: SensorEvaluationContext, media_store: MediaStore, request: RenderRequest, reason: str
) -> None:
    """Leave the reason where the API finds it; the message is already safe in the DLQ, so a
    failure here is logged, not raised."""
    try:
        record_rejection(media_store, request.project_id, request.job_id, reason)
    except Exception as error:  # noqa: BLE001 - the DLQ copy is the record that matters
        context.log.warning(f"{SENSOR_NAME}: could not note the rejection of job {request.job_id}: {error}")


def _injected_fault() -> str | None:
    """The test seam (see the module docstring), read at tick time so a test can flip it."""
    fault = os.environ.get(FAULT_ENV) or None
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"{FAULT_ENV}={fault!r} is not a known fault: use {' or '.join(FAULTS)}")
    return fault
