"""A run worker that dies mid-render: Dagster's run monitoring (through our launcher's worker
health check) or the code server marks the run failed, Dagster's run retries (the service
profile's dagster.yaml) start it again from the failed step, finished shots are reused, and the
film is delivered once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from dagster import AssetKey, DagsterEventType, DagsterRun, DagsterRunStatus, EventLogEntry, RunsFilter
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.launcher import WorkerStatus

from film_assets.contract import JOB_ID_TAG, new_render_request
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.run_states import FAILED, QUEUED, WILL_RETRY_TAG, run_state
from film_assets.runs.worker_launcher import WatchedProcessRunLauncher, last_worker_start
from film_assets.storage.submission import submission_keys, submit_screenplay
from tests.support.service_processes import dagster_daemon, wait_until

PARENT_RUN_TAG = "dagster/parent_run_id"
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}

# twelve lines and an action, thirteen shots: at 1280x720 their clips take seconds to encode, time enough to kill
# the worker after the first one is finished and before the last
MANY_SHOTS = "Title: Twelve Takes\n\nINT. HALL - DAY\n\nThe clock ticks.\n\n" + "\n".join(
    f"{'MARA' if n % 2 else 'JONAH'}\nThis is line number {n}, and it is not short.\n" for n in range(1, 13)
)


def _store_started_event(instance, run: DagsterRun, pid: int, at: float) -> None:
    """What Dagster's run worker records first: 'Started process for run (pid: N).'"""
    event = DagsterEvent(
        event_type_value=DagsterEventType.ENGINE_EVENT.value,
        job_name=run.job_name,
        message=f"Started process for run (pid: {pid}).",
        event_specific_data=EngineEventData.in_process(pid),
    )
    instance.store_event(
        EventLogEntry(
            error_info=None,
            level="DEBUG",
            user_message=event.message,
            run_id=run.run_id,
            timestamp=at,
            job_name=run.job_name,
            dagster_event=event,
        )
    )


@pytest.mark.service
def test_the_health_check_tells_a_live_worker_from_a_dead_or_replaced_one(service_stack):
    instance = service_stack.instance()
    launcher = instance.run_launcher
    assert isinstance(launcher, WatchedProcessRunLauncher) and launcher.supports_check_run_worker_health

    run = instance.add_run(DagsterRun(job_name="render_film", status=DagsterRunStatus.STARTED))
    assert launcher.check_run_worker_health(run).status == WorkerStatus.UNKNOWN  # no worker reported yet

    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        _store_started_event(instance, run, worker.pid, time.time())
        assert last_worker_start(instance, run.run_id)[0] == worker.pid
        assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        health = launcher.check_run_worker_health(run)
        assert health.status == WorkerStatus.FAILED and str(worker.pid) in health.msg
    finally:
        worker.kill()

    # a live process that was born after the worker's start event has only inherited its pid
    replaced = instance.add_run(DagsterRun(job_name="render_film", status=DagsterRunStatus.STARTED))
    _store_started_event(instance, replaced, os.getpid(), time.time() - 3600 * 24 * 365)
    assert launcher.check_run_worker_health(replaced).status == WorkerStatus.FAILED


def _log_lines(instance, run_id: str) -> list[str]:
    entries = [record.event_log_entry for record in instance.get_records_for_run(run_id).records]
    return [
        entry.user_message or (entry.dagster_event.message if entry.dagster_event else "") or "" for entry in entries
    ]


def test_a_failed_run_that_will_be_retried_is_shown_queued_not_failed():
    assert run_state("FAILURE", {WILL_RETRY_TAG: "true"}) == QUEUED
    assert run_state("FAILURE", {WILL_RETRY_TAG: "false"}) == run_state("FAILURE") == FAILED


def _materializations(instance, asset: str, run_id: str):
    return [
        record.asset_materialization
        for record in instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records
        if record.asset_materialization.asset_key == AssetKey(asset)
    ]


@pytest.mark.service
@pytest.mark.slow
@pytest.mark.parametrize("lost", ["worker", "daemon-group"])
def test_a_worker_killed_during_shot_clips_is_retried_and_reuses_the_finished_shots(service_stack, tmp_path, lost):
    """worker: the kernel's OOM killer takes the run worker alone; its code server sees it die.
    daemon-group: the daemon, its code server and the worker die together (a lost machine); the
    restarted daemon's run monitoring finds the worker's pid gone."""
    project = f"killed-{lost}"
    store = service_stack.settings().media_store()
    submit_screenplay(store, project, MANY_SHOTS, "twelve.fountain", ProjectSettings(width=1280, height=720))
    request = new_render_request(project, "studio-a", submission_keys(project)[0])
    service_stack.settings().queue().send(request.to_body())
    instance = service_stack.instance()

    def retried_and_finished():
        runs = instance.get_runs(RunsFilter(tags={JOB_ID_TAG: request.job_id}))
        retries = [run for run in runs if run.tags.get(PARENT_RUN_TAG) == first.run_id]
        return retries if retries and all(run.status in FINISHED for run in retries) else None

    with dagster_daemon(service_stack.env, tmp_path) as daemon:
        [first] = wait_until(
            lambda: instance.get_runs(RunsFilter(tags={JOB_ID_TAG: request.job_id})), 90, "a run", daemon
        )
        wait_until(
            lambda: any(line.startswith("shot_clips: 1/") for line in _log_lines(instance, first.run_id)),
            240,
            "the first clip to be finished",
            daemon,
            every_s=0.2,
        )
        pid, _ = last_worker_start(instance, first.run_id)
        if lost == "worker":
            os.kill(pid, signal.SIGKILL)
            [retry] = wait_until(retried_and_finished, 300, "the retry to finish", daemon, every_s=1)
        else:
            daemon.crash()
    if lost == "daemon-group":
        assert instance.get_run_by_id(first.run_id).status == DagsterRunStatus.STARTED  # nobody left to tell
        with dagster_daemon(service_stack.env, tmp_path) as daemon:
            [retry] = wait_until(retried_and_finished, 300, "the retry to finish", daemon, every_s=1)

    failed = instance.get_run_by_id(first.run_id)
    assert failed.status == DagsterRunStatus.FAILURE
    # the failure names the kill: the code server saw its child die, or run monitoring found it gone
    reason = "terminated by signal 9 (SIGKILL)" if lost == "worker" else f"run worker process {pid} is gone"
    assert any(reason in line for line in _log_lines(instance, first.run_id)), _log_lines(instance, first.run_id)[-10:]
    assert retry.status == DagsterRunStatus.SUCCESS, _log_lines(instance, retry.run_id)[-20:]
    # one submission, one root run: the retry is the same run again, not a second render
    runs = instance.get_runs(RunsFilter(tags={JOB_ID_TAG: request.job_id}))
    assert [run.run_id for run in runs if PARENT_RUN_TAG not in run.tags] == [first.run_id]

    # the clips finished before the kill were kept; the killed step rendered only the rest
    assert _materializations(instance, "shot_clips", first.run_id) == []
    [clips] = _materializations(instance, "shot_clips", retry.run_id)
    reused, rendered = clips.metadata["shots_reused"].value, clips.metadata["shots_rendered"].value
    ended = instance.get_run_record_by_id(retry.run_id).end_time - instance.get_run_record_by_id(first.run_id).end_time
    print(
        f"{lost} lost: the retry reused {reused} clips, rendered {rendered}, and ended {ended:.1f} s after the failure"
    )
    assert reused >= 1 and rendered >= 1 and reused + rendered == clips.metadata["shots"].value == 13  # and the action
    # upstream steps that had succeeded were not run again, and the film was delivered once
    assert _materializations(instance, "keyframes", retry.run_id) == []
    assert (
        len(
            _materializations(instance, "final_cut", first.run_id)
            + _materializations(instance, "final_cut", retry.run_id)
        )
        == 1
    )
