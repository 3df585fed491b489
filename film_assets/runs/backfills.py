"""Backfills over many projects: which projects are unsynced, launching a Dagster backfill
over them, following it to its end, and (on the local profile) a dagster-daemon to run it.

A backfill is Dagster's own record: the UI lists it (Runs → Backfills, `/runs/b/<id>`) and its
backfill daemon runs it, one run per project. Each run re-materializes the selected assets of
its project; keyframes and shot_clips re-render only the shots whose render key changed.
No CLI or HTTP here: `filmstudio backfill` (cli/backfill_commands.py) and `POST /backfills` call this.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from dagster import AssetKey, AssetSelection, DagsterInstance, DagsterRunStatus, RunsFilter

from film_assets.dagster_internals import daemon_command, forget_daemon_heartbeats, private
from film_assets.jobs import RENDER_FILM, REVIEW_GROUP
from film_assets.partitions import projects as projects_partitions
from film_assets.run_states import run_state
from film_assets.runs.run_origin import partition_set_origin

BACKFILL_ID_TAG = "dagster/backfill"  # Dagster puts it on every run of a backfill
# Terminal states of a backfill (COMPLETED is the pre-1.8 spelling of COMPLETED_SUCCESS).
SUCCEEDED = frozenset({"COMPLETED", "COMPLETED_SUCCESS"})
ENDED = SUCCEEDED | {"COMPLETED_FAILED", "FAILED", "CANCELED"}
FINISHED_RUNS = frozenset({DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED})
# A daemon writes a heartbeat about every 30 s (later during a long backfill iteration): one with
# none for this long has stopped.
HEARTBEAT_FRESH_S = 120.0
# Dagster's run statuses in the words our progress lines use
MAX_NAMED = 10  # ids named in one error message
UI_PATH = "/runs/b/{backfill_id}"  # the backfill's page in Dagster 1.13's UI


class BackfillError(RuntimeError):
    """The backfill could not be followed to its end (its daemon died, or time ran out)."""


def _named(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (f" (and {len(items) - MAX_NAMED} more)" if len(items) > MAX_NAMED else "")


def all_projects(instance: DagsterInstance) -> list[str]:
    """Every registered project: the keys of the `projects` partitions."""
    return list(instance.get_dynamic_partitions(projects_partitions.name))


def check_projects(instance: DagsterInstance, projects: Iterable[str]) -> list[str]:
    """The projects in order without repeats, each a registered partition; ValueError naming the
    ones that are not."""
    wanted = list(dict.fromkeys(projects))
    if not wanted:
        raise ValueError("no projects to backfill: name at least one")
    known = set(all_projects(instance))
    unknown = [project for project in wanted if project not in known]
    if unknown:
        raise ValueError(
            f"unknown project{'s' if len(unknown) > 1 else ''} {_named(unknown)}: not a partition of "
            f"'{projects_partitions.name}' in this instance (render or submit it first)"
        )
    return wanted


def selected_assets(asset_graph, asset_names: Sequence[str] | None = None) -> list[AssetKey]:
    """The assets a backfill materializes, in graph order: every asset by default; with names, those
    assets and everything downstream of them (a re-rendered keyframe must also rebuild the clips and
    the cut, or the film would not show it)."""
    order = [  # render_film's assets: the dailies are made on request, never by a backfill
        key
        for key in asset_graph.toposorted_asset_keys
        if key in asset_graph.materializable_asset_keys and asset_graph.get(key).group_name != REVIEW_GROUP
    ]
    if asset_names is None:
        return order
    names = list(dict.fromkeys(asset_names))
    known = {key.to_user_string() for key in order}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(
            f"unknown asset{'s' if len(unknown) > 1 else ''} {_named(unknown) or '(none given)'}: "
            f"choose from {', '.join(key.to_user_string() for key in order)}"
        )
    chosen = AssetSelection.assets(*names).downstream().resolve(asset_graph)
    return [key for key in order if key in chosen]


def launch_backfill(
    instance: DagsterInstance,
    asset_graph,
    projects: Iterable[str],
    asset_names: Sequence[str] | None = None,
    tags: dict[str, str] | None = None,
    title: str | None = None,
) -> str:
    """Record a backfill of render_film over these projects in the instance and return its id; a
    daemon runs it, one run of render_film per project (a job backfill, not an asset backfill:
    those run as Dagster's implicit asset job, which the UI shows as jobless runs that cannot be
    re-executed). Unknown projects or assets, or no projects, raise ValueError and record nothing."""
    # the calls the webserver's launchPartitionBackfill mutation makes (no public API)
    PartitionBackfill = private("PartitionBackfill")
    make_new_backfill_id = private("make_new_backfill_id")

    wanted = check_projects(instance, projects)
    keys = selected_assets(asset_graph, asset_names)
    title = title or f"filmstudio: {len(wanted)} project{'s' if len(wanted) > 1 else ''}"
    if len(title) > 100 or any(char in title for char in '%*"'):
        raise ValueError(f'backfill title {title!r}: at most 100 characters, without % * or "')
    backfill_id = make_new_backfill_id()
    backfill = PartitionBackfill(
        backfill_id=backfill_id,
        partition_set_origin=partition_set_origin(RENDER_FILM),
        status=private("BulkActionStatus").REQUESTED,
        partition_names=wanted,
        from_failure=False,
        reexecution_steps=None,
        tags=dict(tags or {}),
        backfill_timestamp=time.time(),
        # every asset: plain render_film runs; a subset: runs of render_film on those assets
        asset_selection=None if keys == selected_assets(asset_graph) else keys,
        title=title,
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)
    return backfill_id


def _stale_resolver(instance: DagsterInstance, asset_graph):
    # Dagster's own resolver, as the UI uses it for "unsynced"
    AssetGraphView = private("AssetGraphView")
    CachingStaleStatusResolver = private("CachingStaleStatusResolver")
    TemporalContext = private("TemporalContext")

    view = AssetGraphView(
        temporal_context=TemporalContext(effective_dt=_now(), last_event_id=None),
        instance=instance,
        asset_graph=asset_graph,
    )
    return CachingStaleStatusResolver(instance=instance, asset_graph=asset_graph, loading_context=view)


def _now():
    from datetime import datetime

    return datetime.now(UTC)


def stale_projects(instance: DagsterInstance, asset_graph, projects: Iterable[str]) -> dict[str, list[str]]:
    """The projects with any asset Dagster calls STALE (a new code version, or a dependency with a
    new data version) or MISSING, each with those assets in graph order. Fresh projects are left
    out. Dagster marks only an edited asset's direct children stale; the rest follow once they
    are re-materialized, which a whole-graph backfill does."""
    StaleStatus = private("StaleStatus")

    resolver = _stale_resolver(instance, asset_graph)
    keys = selected_assets(asset_graph)
    unsynced = {}
    for project in projects:
        names = [
            key.to_user_string()
            for key in keys
            if resolver.get_status(key, project) in (StaleStatus.STALE, StaleStatus.MISSING)
        ]
        if names:
            unsynced[project] = names
    return unsynced


@dataclass(frozen=True)
class BackfillProgress:
    """A backfill as its record and its runs say now."""

    backfill_id: str
    status: str  # Dagster's BulkActionStatus: REQUESTED, COMPLETED_SUCCESS, COMPLETED_FAILED, ...
    projects: list[str]
    assets: list[str]
    tags: dict[str, str]
    created_at: float
    ended_at: float | None
    runs: dict[str, tuple[str, str]] = field(default_factory=dict)  # run id -> (project, run status)
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ENDED

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCEEDED

    @property
    def runs_finished(self) -> int:
        return sum(status in {s.value for s in FINISHED_RUNS} for _, status in self.runs.values())

    @property
    def runs_failed(self) -> int:
        return sum(status in ("FAILURE", "CANCELED") for _, status in self.runs.values())

    def to_json(self) -> dict:
        return {
            "backfill_id": self.backfill_id,
            "status": self.status,
            "projects": self.projects,
            "assets": self.assets,
            "runs_total": len(self.runs),
            "runs_finished": self.runs_finished,
            "runs_failed": self.runs_failed,
            "created_at": self.created_at,
            "ended_at": self.ended_at,
            "error": self.error,
            "ui_path": UI_PATH.format(backfill_id=self.backfill_id),
        }


def backfill_progress(instance: DagsterInstance, asset_graph, backfill_id: str) -> BackfillProgress | None:
    """The backfill's status, projects and runs, or None if the instance has no such backfill."""
    backfill = instance.get_backfill(backfill_id)
    if backfill is None:
        return None
    projects = []
    assets = [key.to_user_string() for key in backfill.asset_selection or selected_assets(asset_graph)]
    if backfill.is_asset_backfill:
        data = backfill.get_asset_backfill_data(asset_graph)
        projects = sorted(data.get_partition_names() or [])
    elif backfill.partition_names:
        projects = sorted(backfill.partition_names)
    runs = {
        run.run_id: (run.tags.get("dagster/partition", ""), run.status.value)
        for run in instance.get_runs(RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
    }
    error = backfill.error.message.strip().splitlines()[0] if backfill.error and backfill.error.message else None
    return BackfillProgress(
        backfill_id=backfill_id,
        status=backfill.status.value,
        projects=projects,
        assets=assets,
        tags=dict(backfill.tags),
        created_at=backfill.backfill_timestamp,
        ended_at=backfill.backfill_end_timestamp,
        runs=runs,
        error=error,
    )


def wait_for_backfill(
    instance: DagsterInstance,
    asset_graph,
    backfill_id: str,
    progress: Callable[[str], None] = lambda message: None,
    timeout_s: float | None = None,
    poll_s: float = 1.0,
    daemon=None,
) -> BackfillProgress:
    """Poll the backfill until it has ended (completed, failed or canceled), telling `progress`
    about each run as it changes state. BackfillError if the daemon running it (`daemon`, our own
    process, else whichever writes heartbeats) stops first, or timeout_s passes."""
    with _interrupts_between_polls() as asked:
        return _follow(instance, asset_graph, backfill_id, progress, timeout_s, poll_s, daemon, asked)


def _follow(instance, asset_graph, backfill_id, progress, timeout_s, poll_s, daemon, asked) -> BackfillProgress:
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    seen: dict[str, str] = {}
    status = None
    while True:
        current = backfill_progress(instance, asset_graph, backfill_id)
        if current is None:
            raise BackfillError(f"backfill {backfill_id} is not in the instance")
        for run_id, (project, run_status) in sorted(current.runs.items(), key=lambda item: item[1]):
            state = run_state(run_status)
            if seen.get(run_id) != state:
                seen[run_id] = state
                progress(
                    f"{project}: {state} (run {run_id[:8]}; {current.runs_finished}/{len(current.runs)} runs finished)"
                )
        if current.status != status:
            status = current.status
            progress(f"backfill {backfill_id}: {status.lower()}")
        if current.done:
            return current
        if daemon is not None and daemon.poll() is not None:
            raise BackfillError(
                f"the dagster-daemon running backfill {backfill_id} exited ({daemon.poll()}); "
                f"last lines of {daemon.log_path}:\n{daemon.log_tail()}"
            )
        if daemon is None and not daemon_running(instance):
            raise BackfillError(
                f"no dagster-daemon has served backfills for {HEARTBEAT_FRESH_S:g} s: backfill "
                f"{backfill_id} waits for the next one"
            )
        if deadline is not None and time.monotonic() > deadline:
            raise BackfillError(
                f"backfill {backfill_id} did not end within {timeout_s:g} s (status {status}, "
                f"{current.runs_finished}/{len(current.runs)} runs finished)"
            )
        if asked.wait(poll_s):
            raise KeyboardInterrupt


def daemon_running(instance: DagsterInstance) -> bool:
    """Does a dagster-daemon (`filmstudio ui`, `filmstudio up`, a deployment's) serve backfills for
    this instance: a recent backfill heartbeat?"""
    beat = instance.get_daemon_heartbeats().get("BACKFILL")
    return beat is not None and time.time() - beat.timestamp <= HEARTBEAT_FRESH_S


@contextmanager
def local_daemon(instance: DagsterInstance, log_dir: Path) -> Iterator[object | None]:
    """A dagster-daemon on this instance for the duration of the block, unless one already runs
    (then None). Ours runs in its own process group, which is stopped with it, so no code server or
    run worker outlives the block, even on Ctrl-C or SIGTERM."""
    if daemon_running(instance):
        yield None
        return
    from film_assets.bindings.processes import Child  # its own session, default signals, parent-death signal

    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(instance.root_directory)}  # FILMSTUDIO_HOME and profile kept
    started = time.time()
    child = Child(
        "backfill-daemon", daemon_command(sys.executable, "run", "-m", "film_assets.definitions"), env, log_dir
    )
    try:
        with _sigterm_as_interrupt():
            yield child
    finally:
        child.ask_to_stop()  # SIGTERM to the group: the daemon, its code server and any run worker
        child.finish(time.monotonic() + 30)
        _forget_heartbeats(instance, started)


@contextmanager
def _interrupts_between_polls():
    """Ctrl-C or SIGTERM while a backfill is followed ends the wait between two polls, not inside a
    database call, where a KeyboardInterrupt tears a connection mid-close (SQLAlchemy then prints
    its traceback). Yields the event the signals set; outside the main thread signals stay as
    they are."""
    asked = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield asked
        return
    previous = {number: signal.signal(number, lambda *_: asked.set()) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield asked
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM raises KeyboardInterrupt meanwhile, so cleanup runs as on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(*_):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _forget_heartbeats(instance: DagsterInstance, since: float) -> None:
    """Drop the heartbeats our stopped daemon left, so the next backfill does not take them for a
    running daemon; left alone if another daemon has been beating meanwhile."""
    beats = instance.get_daemon_heartbeats()
    recent = {beat.daemon_id for beat in beats.values() if beat.timestamp >= since - 1}
    if len(recent) <= 1:
        forget_daemon_heartbeats(instance)


def unfinished_backfills(instance: DagsterInstance) -> list[str]:
    """Ids of the backfills a daemon still has work on (any daemon runs every one of them)."""
    BulkActionsFilter, BulkActionStatus = private("BulkActionsFilter"), private("BulkActionStatus")

    working = [BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, BulkActionStatus.FAILING]
    return [backfill.backfill_id for backfill in instance.get_backfills(filters=BulkActionsFilter(statuses=working))]


def cancel_unfinished(instance: DagsterInstance, backfill_id: str) -> int:
    """After the daemon running it was stopped: mark the backfill and its unfinished runs canceled
    (their workers were stopped with the daemon). Returns how many runs were marked."""
    BulkActionStatus = private("BulkActionStatus")

    marked = 0
    for run in instance.get_runs(RunsFilter(tags={BACKFILL_ID_TAG: backfill_id})):
        if run.status not in FINISHED_RUNS:
            instance.report_run_canceled(run, message="filmstudio backfill was interrupted")
            marked += 1
    backfill = instance.get_backfill(backfill_id)
    if backfill is not None and backfill.status.value not in ENDED:
        instance.update_backfill(backfill.with_status(BulkActionStatus.CANCELED).with_end_timestamp(time.time()))
    return marked
