"""Runs started by `filmstudio render` are the UI's own: under render_film with their project,
in the code location the UI loads (which the Overview timeline and "Re-execute" need), and
re-executing them from the UI, all steps or from the failure, succeeds."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.support.ui import dagster_ui, graphql, render_tiny, tiny_render_args

pytestmark = pytest.mark.slow  # renders a film, runs `dagster dev` and re-executes from it

RUN_FIELDS = """
  runId jobName status parentRunId
  repositoryOrigin { repositoryLocationName repositoryName }
  tags { key value }
  stepStats { stepKey status }
"""


def run_of(port: int, run_id: str) -> dict:
    return graphql(port, f'{{ runOrError(runId: "{run_id}") {{ ... on Run {{ {RUN_FIELDS} }} }} }}')["runOrError"]


def reexecute(port: int, parent_run_id: str, strategy: str) -> str:
    launched = graphql(
        port,
        f"""mutation {{ launchPipelineReexecution(reexecutionParams: {{
              parentRunId: "{parent_run_id}", strategy: {strategy} }}) {{
            __typename
            ... on LaunchRunSuccess {{ run {{ runId }} }}
            ... on PythonError {{ message }}
            ... on InvalidStepError {{ invalidStepKey }}
          }} }}""",
    )["launchPipelineReexecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def finished(port: int, run_id: str, timeout_s: float = 240) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        run = run_of(port, run_id)
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run['status']} after {timeout_s} s"
        time.sleep(1)


def test_a_cli_run_is_under_render_film_and_reexecutes_from_the_ui(run_cli, film_home, tmp_path):
    project = render_tiny(run_cli, tmp_path, "--project", "keeper")["project"]
    # A second render fails in its last step: a folder stands where the cut is written.
    blocker = film_home / "media" / "projects" / project / "final_cut" / "final_cut.mp4"
    blocker.unlink()
    (blocker / "in-the-way").mkdir(parents=True)
    failed = run_cli(*tiny_render_args(tmp_path / "again", "--project", project))
    assert failed.returncode != 0 and "final_cut" in failed.stderr, failed.stderr
    shutil.rmtree(blocker)

    with dagster_ui(film_home, tmp_path) as (_, port):
        locations = {
            entry["name"]
            for entry in graphql(port, "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }")[
                "workspaceOrError"
            ]["locationEntries"]
        }
        runs = graphql(port, f"{{ runsOrError {{ ... on Runs {{ results {{ {RUN_FIELDS} }} }} }} }}")["runsOrError"]
        good, bad = sorted(runs["results"], key=lambda run: run["status"] != "SUCCESS")
        assert (good["status"], bad["status"]) == ("SUCCESS", "FAILURE")
        for run in (good, bad):
            assert run["jobName"] == "render_film"
            assert {"key": "dagster/partition", "value": project} in run["tags"]
            # the Overview timeline and Re-execute find a run's job in the workspace through this
            origin = run["repositoryOrigin"]
            assert origin is not None and origin["repositoryLocationName"] in locations, (origin, locations)
            assert origin["repositoryName"] == "__repository__"

        again = finished(port, reexecute(port, good["runId"], "ALL_STEPS"))
        assert (again["status"], again["jobName"], again["parentRunId"]) == ("SUCCESS", "render_film", good["runId"])
        assert {"key": "dagster/partition", "value": project} in again["tags"]

        resumed = finished(port, reexecute(port, bad["runId"], "FROM_FAILURE"))
        assert resumed["status"] == "SUCCESS", resumed
        ran = {step["stepKey"] for step in resumed["stepStats"]}
        assert "final_cut" in ran and "shot_clips" not in ran  # only the failed step and what follows
    assert (film_home / "media" / "projects" / project / "final_cut" / "final_cut.mp4").is_file()
