"""`filmstudio plan SCRIPT --project P` says what rendering a revised screenplay would do, writes
nothing while saying it, and says what the render then does."""

from __future__ import annotations

import json

import pytest

from tests.support.planning import (
    BAD,
    BAD_LINE,
    NEW_SCENE,
    NEW_WORDS,
    PROJECT,
    SCRIPT,
    by_code,
    cli,
    copy_home,
    render,
    rendered_home,
    snapshot,
    write_script,
)

pytestmark = pytest.mark.slow  # one tiny film rendered through the CLI (~10 s) for the module


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return rendered_home(tmp_path_factory.mktemp("plan-cli"))


def plan(home, tmp_path, text: str, *flags: str) -> dict:
    done = cli(home, "plan", str(write_script(tmp_path, "revision.fountain", text)), *flags, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_same_script_reuses_every_shot_and_the_plan_writes_nothing(home, tmp_path):
    before = snapshot(home)  # media and Dagster instance alike
    result = plan(home, tmp_path, SCRIPT, "--project", PROJECT)
    assert result["counts"]["reused"] == 3 and result["shots_to_render"] == 0
    assert plan(home, tmp_path, NEW_SCENE, "--project", PROJECT)["counts"]["added"] == 1
    assert snapshot(home) == before


def test_new_words_change_their_shot_and_reuse_the_others(home, tmp_path):
    result = plan(home, tmp_path, NEW_WORDS, "--project", PROJECT)
    shots = by_code(result)
    assert shots["SQ010_SH030"]["category"] in ("changed", "retimed")
    assert "words" in shots["SQ010_SH030"]["changes"] and shots["SQ010_SH030"]["timing_estimated"]
    assert [shots[code]["category"] for code in ("SQ010_SH010", "SQ010_SH020")] == ["reused", "reused"]
    assert result["script"] == {"lines_added": 1, "lines_removed": 1}
    assert {"seconds", "basis", "keyframe_takes", "clip_takes"} <= result["compute"].keys()


def test_without_project_the_id_is_the_title_slug(home, tmp_path):
    assert plan(home, tmp_path, SCRIPT)["project"] == PROJECT  # "Title: Plan Test"


def test_the_summary_counts_and_lists_each_shot_with_work(home, tmp_path):
    done = cli(home, "plan", str(write_script(tmp_path, "revision.fountain", NEW_SCENE)), "--project", PROJECT)
    assert done.returncode == 0, done.stderr
    assert "1 added, 0 removed, 0 changed, 0 retimed, 3 reused" in done.stdout
    [line] = [line for line in done.stdout.splitlines() if "SQ020_SH010" in line]
    assert "added" in line and "-> 3.00 s" in line
    assert "SQ010_SH010" not in done.stdout  # reused shots are counted, not listed
    assert "compute:" in done.stdout


def test_a_script_that_does_not_parse_exits_2_naming_the_line(home, tmp_path):
    done = cli(home, "plan", str(write_script(tmp_path, "broken.fountain", BAD)), "--project", PROJECT)
    assert done.returncode == 2 and f"broken.fountain line {BAD_LINE}:" in done.stderr


def test_an_unknown_project_exits_2_naming_it(home, tmp_path):
    done = cli(home, "plan", str(write_script(tmp_path, "revision.fountain", SCRIPT)), "--project", "nobody")
    assert done.returncode == 2 and "no project 'nobody'" in done.stderr


def test_the_plan_says_what_the_render_then_does(home, tmp_path):
    home = copy_home(home, tmp_path)  # this test renders again: the module's film stays as it was
    revision = NEW_WORDS + "\nEXT. PARKING LOT - NIGHT\n\nA truck idles in the rain.\n"
    predicted = plan(home, tmp_path, revision, "--project", PROJECT)
    to_render = [shot["code"] for shot in predicted["shots"] if shot["category"] in ("added", "changed", "retimed")]
    assert to_render == ["SQ010_SH030", "SQ020_SH010"]

    done = render(home, write_script(tmp_path, "revised.fountain", revision), tmp_path / "out")
    assert (done["shots_rendered"], done["shots_reused"]) == (len(to_render), predicted["counts"]["reused"])
    assert done["shots_rendered"] == predicted["shots_to_render"]
    after = plan(home, tmp_path, revision, "--project", PROJECT)  # now measured and stored
    assert after["shots_to_render"] == 0 and not after["timing_estimated"]
