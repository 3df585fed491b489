"""`filmstudio backfill` re-renders many projects as one Dagster backfill: the projects an edited
screenplay left unsynced are found with Dagster's own staleness, the backfill runs one run per
project through a real dagster-daemon, and afterwards nothing is unsynced. Bad input creates
nothing; an interrupted backfill is canceled and leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from dagster import AssetKey, AssetRecordsFilter, DagsterRunStatus, RunsFilter
from dagster._core.execution.backfill import BulkActionStatus

from film_assets.runs.backfills import (
    BACKFILL_ID_TAG,
    backfill_progress,
    cancel_unfinished,
    launch_backfill,
    selected_assets,
    stale_projects,
)
from film_assets.runs.run_origin import code_location_name

KETTLE = """Title: Kettle

INT. KITCHEN - NIGHT

Mara fills the kettle.

MARA
You're late.

JONAH
I brought bread.
"""
EDIT = "\nMARA\nGoodnight, then.\n"
PROJECTS = ("kettle-a", "kettle-b", "kettle-c")
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def cli_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["FILMSTUDIO_HOME"] = str(home)
    return env


def cli(home: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "film_assets.cli", *args],
        capture_output=True,
        text=True,
        env=cli_env(home),
        timeout=timeout,
        cwd=home.parent,
    )


@pytest.fixture(scope="module")
def studio(tmp_path_factory) -> Path:
    """A FILMSTUDIO_HOME with three tiny projects rendered by `filmstudio render`."""
    home = tmp_path_factory.mktemp("backfill") / "filmstudio-home"
    script = home.parent / "kettle.fountain"
    script.write_text(KETTLE)
    for project in PROJECTS:
        result = cli(
            home,
            "render",
            str(script),
            "--project",
            project,
            "--out",
            str(home.parent / "out" / project),
            "--width",
            "320",
            "--height",
            "180",
            "--fps",
            "8",
        )
        assert result.returncode == 0, result.stderr
    return home


@pytest.fixture
def local(studio, monkeypatch):
    """The studio's instance, definitions and asset graph in this process, as the CLI opens them."""
    from film_assets.definitions import build_definitions
    from film_assets.runs.local_render import instance_for
    from resources.profiles import current_environment

    monkeypatch.setenv("FILMSTUDIO_HOME", str(studio))
    monkeypatch.setenv("DAGSTER_HOME", str(studio / "dagster_home"))  # restored after the test
    environment = current_environment()
    defs = build_definitions(environment)
    instance = instance_for(environment)
    yield SimpleNamespace(instance=instance, defs=defs, graph=defs.resolve_asset_graph())
    instance.dispose()


def edit_screenplay(local, project: str) -> None:
    """What a writer's revision does: a new script stored for the project, and its `screenplay`
    asset (only that one) materialized again, so its data version changes."""
    from film_assets.storage.submission import load_submission, submit_screenplay

    store = local.defs.resources["media_store"]
    text, source_name, settings = load_submission(store, project)
    submit_screenplay(store, project, text + EDIT, source_name, settings)
    result = local.defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key=project, asset_selection=[AssetKey("screenplay")], instance=local.instance, run_config=QUIET
    )
    assert result.success


def latest_metadata(instance, asset: str, project: str) -> tuple[str, dict]:
    record = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[project]), limit=1
    ).records[0]
    return record.run_id, {name: value.value for name, value in record.asset_materialization.metadata.items()}


@pytest.mark.slow  # the studio fixture renders three films; backfills run a dagster-daemon
def test_bad_input_is_refused_and_creates_nothing(studio, local):
    cases = {
        ("--projects", "kettle-a,no-such-film"): "unknown project no-such-film",
        ("--projects", " , "): "--projects: give project ids",
        ("--all", "--assets", "keyframes,storyboards"): "unknown asset storyboards",
        ("--projects", "kettle-a", "--all"): "not allowed with argument",
    }
    for args, message in cases.items():
        result = cli(studio, "backfill", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert local.instance.get_backfills() == []


def test_a_home_without_projects_gets_no_instance(tmp_path):
    home = tmp_path / "empty-home"
    result = cli(home, "backfill", "--all")
    assert result.returncode == 2 and "no projects yet" in result.stderr
    assert not home.exists()


@pytest.mark.slow  # the studio fixture renders three films; backfills run a dagster-daemon
def test_chosen_assets_bring_everything_downstream_of_them(local):
    names = [key.to_user_string() for key in selected_assets(local.graph, ["keyframes"])]
    assert names == ["keyframes", "shot_clips", "final_cut"]  # a new keyframe must reach the cut
    with pytest.raises(ValueError, match="unknown project nope"):
        launch_backfill(local.instance, local.graph, ["kettle-a", "nope"])
    with pytest.raises(ValueError, match="no projects"):
        launch_backfill(local.instance, local.graph, [])

    backfill_id = launch_backfill(local.instance, local.graph, ["kettle-b", "kettle-a"], ["keyframes"])
    progress = backfill_progress(local.instance, local.graph, backfill_id)
    assert progress.status == "REQUESTED" and progress.projects == ["kettle-a", "kettle-b"]
    assert progress.assets == names
    cancel_unfinished(local.instance, backfill_id)  # no daemon ran it: a later one must not either
    assert local.instance.get_backfill(backfill_id).status == BulkActionStatus.CANCELED


@pytest.mark.slow  # the studio fixture renders three films; backfills run a dagster-daemon
def test_backfill_over_unsynced_projects_runs_one_run_each_and_leaves_them_synced(studio, local):
    assert stale_projects(local.instance, local.graph, PROJECTS) == {}
    for project in ("kettle-a", "kettle-b"):
        edit_screenplay(local, project)
    unsynced = stale_projects(local.instance, local.graph, PROJECTS)
    assert sorted(unsynced) == ["kettle-a", "kettle-b"]  # kettle-c's script is unchanged
    assert all("scenes" in assets for assets in unsynced.values())
    untouched_run, _ = latest_metadata(local.instance, "keyframes", "kettle-c")

    started = time.monotonic()
    result = cli(studio, "backfill", "--stale", "--json")
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    backfill_id = summary["backfill_id"]
    assert summary["status"] == "COMPLETED_SUCCESS" and sorted(summary["projects"]) == ["kettle-a", "kettle-b"]
    assert f"/runs/b/{backfill_id}" in result.stderr and "2/2 runs finished" in result.stderr

    backfill = local.instance.get_backfill(backfill_id)
    assert backfill.status == BulkActionStatus.COMPLETED_SUCCESS
    runs = local.instance.get_runs(RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
    assert sorted(run.tags["dagster/partition"] for run in runs) == ["kettle-a", "kettle-b"]
    assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
    # runs of render_film in the code location the UI loads, not of Dagster's implicit asset job
    # (the UI shows those as jobless runs and cannot re-execute them)
    assert {run.job_name for run in runs} == {"render_film"}
    assert {run.remote_job_origin.location_name for run in runs} == {code_location_name()}
    assert stale_projects(local.instance, local.graph, PROJECTS) == {}

    # the new line became a new shot; the shots it did not change were reused, not re-rendered
    for project in ("kettle-a", "kettle-b"):
        run_id, keyframes = latest_metadata(local.instance, "keyframes", project)
        assert run_id in {run.run_id for run in runs}
        assert keyframes["shots_rendered"] >= 1 and keyframes["shots_reused"] >= 1, keyframes
        assert keyframes["shots_rendered"] < keyframes["shots"]
    assert latest_metadata(local.instance, "keyframes", "kettle-c")[0] == untouched_run
    # the daemon the command started is gone, and so are its heartbeats: the next command starts its own
    assert local.instance.get_daemon_heartbeats() == {}

    again = cli(studio, "backfill", "--stale")
    assert again.returncode == 0 and "every project is synced" in again.stderr
    assert len(local.instance.get_backfills()) == 2  # the canceled one above, and this one
    print(f"backfill of 2 projects took {took:.1f} s")


def _dagster_processes_of(home: Path) -> list[str]:
    """Command lines of live processes started for this FILMSTUDIO_HOME (daemon, code server, run
    workers all inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f"FILMSTUDIO_HOME={home}".encode() in environ and "film_assets.cli" not in command:
            found.append(command[:200])
    return found


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # as in a terminal, whatever the test runner ignores


@pytest.mark.slow  # the studio fixture renders three films; backfills run a dagster-daemon
def test_ctrl_c_cancels_the_backfill_and_leaves_no_process(studio, local):
    process = subprocess.Popen(
        [sys.executable, "-m", "film_assets.cli", "backfill", "--projects", "kettle-c"],
        env=cli_env(studio),
        cwd=studio.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    lines = []
    try:
        for line in process.stderr:
            lines.append(line)
            if "kettle-c: running" in line:
                assert _dagster_processes_of(studio), "the daemon and its run should be running now"
                time.sleep(1)
                process.send_signal(signal.SIGINT)
                break
        rest = process.communicate(timeout=60)[1]
    finally:
        if process.poll() is None:
            process.kill()
    stderr = "".join(lines) + rest
    assert process.returncode == 130, stderr
    assert "interrupted; backfill" in stderr and "canceled" in stderr and "Traceback" not in stderr

    backfill_id = next(line.split("backfill ")[1].split(":")[0] for line in lines if "backfill " in line)
    assert local.instance.get_backfill(backfill_id).status == BulkActionStatus.CANCELED
    runs = local.instance.get_runs(RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
    assert runs and all(run.status in (DagsterRunStatus.CANCELED, DagsterRunStatus.FAILURE) for run in runs)
    assert _dagster_processes_of(studio) == []
