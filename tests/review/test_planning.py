"""Planning a revision against what a real render stored: the same script reuses every shot with
its measured timing (the plan's keys are the render's), new words change only their shot, a new
scene adds shots, the estimate follows the cost ledger, and planning writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from statistics import fmean

import pytest

from film_assets.domain.projects.settings import ProjectSettings
from film_assets.domain.screenplay.fountain import FountainError
from film_assets.review.planning import NothingToPlanAgainst, media_makers, plan_revision
from film_assets.storage.shot_versions import ShotVersions
from film_assets.storage.submission import submit_screenplay
from resources.media_store import LocalMediaStore
from resources.profiles import current_environment
from tests.conftest import REPO
from tests.support.planning import BAD, BAD_LINE, NEW_SCENE, NEW_WORDS, PROJECT, SCRIPT, rendered_home, snapshot

pytestmark = pytest.mark.slow  # one tiny film rendered through the CLI (~10 s) for the module


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return rendered_home(tmp_path_factory.mktemp("planning"))


def store_of(home) -> LocalMediaStore:
    return LocalMediaStore(root=str(home / "media"))


def plan_of(home, text: str):
    return plan_revision(store_of(home), PROJECT, text, "revision.fountain", media_makers(current_environment()))


def test_the_same_script_reuses_every_shot_with_its_measured_timing(home):
    plan = plan_of(home, SCRIPT)
    assert plan.counts == {"added": 0, "removed": 0, "changed": 0, "retimed": 0, "reused": 3}
    assert not plan.timing_estimated and plan.duration_s("after") == plan.duration_s("before")
    assert (plan.script.lines_added, plan.script.lines_removed) == (0, 0)
    assert (plan.compute.seconds, plan.compute.basis) == (0.0, "nothing to render")


def test_new_words_change_only_the_shot_that_says_them(home):
    plan = plan_of(home, NEW_WORDS)
    shots = {shot.code: shot for shot in plan.shots}
    assert shots["SQ010_SH030"].category == "changed" and "words" in shots["SQ010_SH030"].changes
    assert shots["SQ010_SH030"].timing_estimated  # the new line was never spoken
    assert [shots[code].category for code in ("SQ010_SH010", "SQ010_SH020")] == ["reused", "reused"]
    assert (plan.script.lines_added, plan.script.lines_removed) == (1, 1)


def test_an_added_scene_adds_its_shots_and_keeps_the_rest(home):
    plan = plan_of(home, NEW_SCENE)
    assert plan.counts == {"added": 1, "removed": 0, "changed": 0, "retimed": 0, "reused": 3}
    [added] = [shot for shot in plan.shots if shot.category == "added"]
    assert (added.code, added.frames_before, added.seconds_after) == ("SQ020_SH010", None, 3.0)


def test_the_estimate_follows_the_cost_ledger(home):
    plan = plan_of(home, NEW_SCENE)
    records = [record for versions in ShotVersions(store_of(home), PROJECT).all().values() for record in versions]
    keyframes = [record["keyframe"]["cost"]["wall_s"] for record in records if record["keyframe"].get("cost")]
    clips = [
        record["clip"]["cost"]["wall_s"] / record["clip"]["frames"] for record in records if record["clip"].get("cost")
    ]
    if not keyframes or not clips:  # takes made before the ledger: no invented number
        assert (plan.compute.seconds, plan.compute.basis) == (None, "no measured takes yet")
        return
    frames = next(shot.frames_after for shot in plan.shots if shot.category == "added")
    assert plan.compute.seconds == pytest.approx(fmean(keyframes) + fmean(clips) * frames, abs=1e-3)
    assert plan.compute.keyframe_takes == len(keyframes) == 3


def test_planning_writes_nothing(home):
    before = snapshot(home)
    for text in (SCRIPT, NEW_WORDS, NEW_SCENE):
        plan_of(home, text)
    assert snapshot(home) == before


def test_a_script_that_does_not_parse_is_refused_naming_the_line(home):
    with pytest.raises(FountainError) as refused:
        plan_of(home, BAD)
    assert refused.value.line == BAD_LINE


def test_a_project_never_rendered_or_unknown_is_refused(tmp_path):
    store = LocalMediaStore(root=str(tmp_path / "media"))
    makers = media_makers(current_environment())
    with pytest.raises(NothingToPlanAgainst, match="no project 'nobody'"):
        plan_revision(store, "nobody", SCRIPT, "x.fountain", makers)
    submit_screenplay(store, "queued", SCRIPT, "x.fountain", ProjectSettings(width=64, height=64, fps=8))
    with pytest.raises(NothingToPlanAgainst, match="'queued' has no shot list yet"):
        plan_revision(store, "queued", SCRIPT, "x.fountain", makers)


def test_a_plan_with_cpu_renderers_loads_no_torch(home):
    """The API plans in its own process: a storyboard render's keys need no model framework."""
    code = (
        "import sys\n"
        "from film_assets.review.planning import media_makers, plan_revision\n"
        "from resources.profiles import current_environment, media_store_for\n"
        "environment = current_environment()\n"
        f"plan_revision(media_store_for(environment), {PROJECT!r}, {NEW_WORDS!r}, 'r.fountain', "
        "media_makers(environment))\n"
        "print(sorted(name for name in ('torch', 'diffusers', 'transformers') if name in sys.modules))\n"
    )
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("FILMSTUDIO_", "DAGSTER_"))}}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "FILMSTUDIO_HOME": str(home)},
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
