"""The service profile's run launcher: Dagster's DefaultRunLauncher, plus a worker health check.

Run monitoring can only fail a STARTED run whose worker died if the launcher can say the worker is
gone. Dagster's K8sRunLauncher asks Kubernetes; its DefaultRunLauncher (a run worker process under
the daemon's code server) cannot say anything, so a worker lost with its code server (an OOM kill
of the daemon's group, a node lost) left the run STARTED for ever and Dagster's run retries never
saw a failure. Dagster records each worker's pid in the run's "Started process for run" engine
event; that pid, alive and no younger than the event, is the worker.
"""

from __future__ import annotations

import socket

import psutil
from dagster import DagsterEventType, DagsterRun, DefaultRunLauncher

from film_assets.dagster_internals import private

CheckRunHealthResult = private("CheckRunHealthResult")
WorkerStatus = private("WorkerStatus")
GrpcServerCodeLocationOrigin = private("GrpcServerCodeLocationOrigin")

# a pid's start time and the event's timestamp come from two clocks read at different moments
CLOCK_SLACK_S = 2.0
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class WatchedProcessRunLauncher(DefaultRunLauncher):
    """Launches run workers as the DefaultRunLauncher does, and tells run monitoring when one died."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        if not _worker_is_on_this_host(run):
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run worker runs on another host's code server")
        started = last_worker_start(self._instance, run.run_id)
        if started is None:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run worker has not reported its process yet")
        pid, at = started
        if _process_alive_since(pid, at):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"run worker process {pid} is gone (killed or crashed without reporting an end)"
        )


def _worker_is_on_this_host(run: DagsterRun) -> bool:
    """A worker started by a code server we did not spawn (a workspace naming a remote gRPC server)
    lives where that server lives; its pid means nothing here."""
    origin = run.remote_job_origin.repository_origin.code_location_origin if run.remote_job_origin else None
    if isinstance(origin, GrpcServerCodeLocationOrigin):
        return origin.host in LOCAL_HOSTS | {socket.gethostname()}
    return True


def last_worker_start(instance, run_id: str) -> tuple[int, float] | None:
    """The pid and time of the newest "Started process for run" event of this run (one read of the
    run's engine events, every monitoring poll, for each STARTED run)."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT, ascending=False).records
    for record in records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if not (event and (event.message or "").startswith("Started process for run")):
            continue
        recorded = event.engine_event_data.metadata.get("pid") if event.engine_event_data else None
        pid = int(recorded.value) if recorded is not None else event.pid
        if pid:
            return pid, entry.timestamp
    return None


def _process_alive_since(pid: int, started_by: float) -> bool:
    try:
        process = psutil.Process(pid)
        # a pid the kernel gave to a newer process after the worker died is not the worker
        return (
            process.is_running()
            and process.status() != psutil.STATUS_ZOMBIE
            and (process.create_time() <= started_by + CLOCK_SLACK_S)
        )
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
