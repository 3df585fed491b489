"""`filmstudio cost PROJECT [--json]` says what a project's renders cost, as a real process on an
isolated FILMSTUDIO_HOME; a project it cannot find is refused by name."""

from __future__ import annotations

import pytest

from tests.support.ledger_film import PROJECT, cli_json, render_two_scenes


@pytest.mark.slow  # renders a (tiny) film
def test_cost_gives_the_projects_cpu_and_gpu_seconds_per_shot_scene_and_in_all(run_cli, tmp_path):
    rendered = render_two_scenes(run_cli, tmp_path)
    costs = cli_json(run_cli, "cost", PROJECT)
    total = costs["total"]
    assert (total["shots"], total["takes"], total["measured_takes"], total["unmeasured_takes"]) == (
        rendered["shots"],
        rendered["shots"],
        rendered["shots"],
        0,
    )
    assert total["cpu_s"] > 0 and total["gpu_s"] == 0 and total["wall_s"] == total["cpu_s"]
    assert total["cpu_s"] == pytest.approx(sum(shot["cpu_s"] for shot in costs["shots"]))
    assert total["cpu_s"] == pytest.approx(sum(scene["cpu_s"] for scene in costs["scenes"]))
    assert [scene["scene"] for scene in costs["scenes"]] == ["SQ010", "SQ020"]

    text = run_cli("cost", PROJECT)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert all(any(line.startswith(shot["code"]) for line in lines) for shot in costs["shots"])
    assert any(line.startswith("SQ020") and "EXT. STREET - NIGHT" in line for line in lines)
    assert f"{PROJECT}: {rendered['shots']} shots, {rendered['shots']} takes: CPU {total['cpu_s']:.3f} s" in text.stdout


@pytest.mark.parametrize(
    "project, words",
    [("no-such-film", "project 'no-such-film' has no shots yet"), ("Not A Project", "'Not A Project' is not a slug")],
)
def test_cost_of_an_unknown_or_invalid_project_exits_2_naming_it(run_cli, project, words):
    refused = run_cli("cost", project, "--json")
    assert refused.returncode == 2 and words in refused.stderr, refused.stderr
    assert refused.stdout == ""
