"""`filmstudio render` reports a film that fails a blocking QC check as failing QC, naming the
check and what it measured, with its own exit code and no delivered files; a film that passes
says so, with every check of the run in its JSON. The checks run as steps of the render, each
recorded in the instance for its project."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from dagster import DagsterEventType, DagsterInstance

from film_assets.asset_names import ASSET_NAMES
from film_assets.cli.reporting import EXIT_FAILED_QC
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow  # three tiny renders (~30 s together)

TINY = ["--width", "64", "--height", "64", "--fps", "8"]
QC_CHECKS = {
    "shot_list/every_line_in_one_shot",
    "keyframes/keyframes_sized_and_not_blank",
    "shot_clips/clips_as_long_as_their_shots",
    "audio_mix/lines_audible_and_unclipped",
    "final_cut/no_unasked_black_or_freeze",
}
DELIVERY_CHECKS = {
    "final_cut/loudness_on_target",
    "final_cut/true_peak_within_ceiling",
    "final_cut/every_line_heard_and_subtitled",
    "final_cut/audio_video_in_sync",
}


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """One home, three renders of the lighthouse: mixed at -5 LUFS (louder than a -1 dBTP ceiling
    lets speech stay clean: the limiter buries the lines in its own distortion), the same again
    as JSON, and at the web target."""
    home = tmp_path_factory.mktemp("qc-home")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {"FILMSTUDIO_HOME": str(home)}

    def render(project: str, *flags: str) -> subprocess.CompletedProcess:
        args = ["render", str(EXAMPLES / "lighthouse.fountain"), "--project", project, *TINY, *flags]
        args += ["--out", str(home / "out" / project)]
        return subprocess.run(
            [sys.executable, "-m", "film_assets.cli", *args], capture_output=True, text=True, env=env, timeout=300
        )

    return {
        "home": home,
        "loud": render("lighthouse-loud", "--loudness", "-5"),
        "loud_json": render("lighthouse-loud", "--loudness", "-5", "--json"),
        "web": render("lighthouse-web", "--json"),
    }


def test_a_film_failing_a_blocking_check_is_reported_as_failing_qc_not_delivered(renders):
    loud = renders["loud"]
    assert loud.returncode == EXIT_FAILED_QC, loud.stderr
    assert loud.stdout.startswith("lighthouse-loud: failing QC, not delivered: 1 blocking check failed"), loud.stdout
    assert "failed:    audio_mix/lines_audible_and_unclipped: " in loud.stdout
    assert "inaudible=" in loud.stdout and "dB over the rest" in loud.stdout  # what was measured
    assert "render failed" not in loud.stderr
    assert not (renders["home"] / "out" / "lighthouse-loud" / "final_cut.mp4").exists()


def test_the_json_of_a_film_failing_qc_names_the_check_and_its_measures(renders):
    answer = renders["loud_json"]
    assert answer.returncode == EXIT_FAILED_QC, answer.stderr
    report = json.loads(answer.stdout)
    assert report["project"] == "lighthouse-loud" and report["delivered"] is False
    qc = report["qc"]
    assert qc["passed"] is False and qc["run_id"] == report["run_id"]
    [failing] = qc["failing"]
    assert (failing["asset"], failing["name"], failing["severity"], failing["blocking"]) == (
        "audio_mix",
        "lines_audible_and_unclipped",
        "ERROR",
        True,
    )
    assert failing["metadata"]["inaudible"] >= 1 and failing["metadata"]["lines"] == 9


def test_a_passing_film_is_delivered_with_every_check_of_its_run(renders):
    web = renders["web"]
    assert web.returncode == 0, web.stderr
    report = json.loads(web.stdout)
    assert report["delivered"] is True and report["qc"]["passed"] is True and report["qc"]["failing"] == []
    assert report["qc"]["checks_run"] == len(QC_CHECKS | DELIVERY_CHECKS)
    # a 64-pixel frame moves by less than a pixel a frame: still stretches warn, they do not block
    assert {w["name"] for w in report["qc"]["warnings"]} <= {"no_unasked_black_or_freeze"}

    os.environ["DAGSTER_HOME"] = str(renders["home"] / "dagster_home")
    try:
        instance = DagsterInstance.get()
    finally:
        del os.environ["DAGSTER_HOME"]
    evaluations = [
        entry.dagster_event.asset_check_evaluation_data
        for entry in instance.all_logs(report["run_id"], of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    ]
    assert {f"{e.asset_key.to_user_string()}/{e.check_name}" for e in evaluations} == QC_CHECKS | DELIVERY_CHECKS
    assert {e.partition for e in evaluations} == {"lighthouse-web"}
    steps = {
        entry.step_key
        for entry in instance.all_logs(report["run_id"], of_type=DagsterEventType.STEP_SUCCESS)
        if entry.step_key
    }
    # each check ran inside the step of the asset it judges: no step of its own
    assert steps == set(ASSET_NAMES)
    instance.dispose()
