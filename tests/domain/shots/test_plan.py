"""The plan of a revision, decided without rendering: each shot is added, removed, changed (its
picture made again, saying what changed), retimed (only its clip encoded again) or reused, and the
compute is estimated from measured takes only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from film_assets.domain.screenplay.fountain import parse_fountain
from film_assets.domain.shots.breakdown import break_down_shots
from film_assets.domain.shots.plan import (
    NO_MEASUREMENTS,
    ScriptDiff,
    StoredTakes,
    diff_script,
    estimate_compute,
    plan_shots,
)

SCRIPT = """INT. DINER - NIGHT

Rain on the windows. WREN wipes the counter.

WREN
We close at two.

OTTO
Then I have an hour.
"""
STORED = StoredTakes(keyframe=True, clip=True, model_before="storyboard v1", model_after="storyboard v1")
PICTURE_ONLY = replace(STORED, clip=False)
NOTHING = replace(STORED, keyframe=False, clip=False)


def shots_of(text: str = SCRIPT):
    return break_down_shots(parse_fountain(text), "diner", 8, 64, 64)


def categories(plans) -> dict[str, str]:
    return {plan.code: plan.category for plan in plans}


def test_a_revision_whose_takes_are_all_stored_reuses_every_shot():
    shots = shots_of()
    plans = plan_shots(shots, shots, {shot.code: STORED for shot in shots})
    assert set(categories(plans).values()) == {"reused"}
    assert all(plan.changes == () and not plan.encodes_clip for plan in plans)


def test_new_codes_are_added_and_missing_codes_removed():
    before = shots_of()
    after = shots_of(SCRIPT + "\nEXT. LOT - NIGHT\n\nA truck idles.\n")
    plans = plan_shots(before, after, {shot.code: STORED for shot in before})
    assert categories(plans)["SQ020_SH010"] == "added"
    backwards = plan_shots(after, before, {shot.code: STORED for shot in before})
    removed = next(plan for plan in backwards if plan.code == "SQ020_SH010")
    assert (removed.category, removed.frames_after, removed.seconds_before) == ("removed", None, 3.0)
    assert [plan.code for plan in backwards][-1] == "SQ020_SH010"  # removed shots come after the film's


def test_new_words_change_the_picture_and_say_words_and_timing():
    before = shots_of()
    after = shots_of(SCRIPT.replace("an hour.", "an hour and a slice of pie."))
    takes = {shot.code: STORED for shot in before} | {"SQ010_SH030": replace(NOTHING, timing_estimated=True)}
    plans = {plan.code: plan for plan in plan_shots(before, after, takes)}
    changed = plans["SQ010_SH030"]
    assert (changed.category, changed.changes) == ("changed", ("words", "timing"))
    assert changed.renders_keyframe and changed.timing_estimated
    assert changed.frames_after > changed.frames_before
    assert [plans[code].category for code in ("SQ010_SH010", "SQ010_SH020")] == ["reused", "reused"]


@pytest.mark.parametrize(
    "edit, takes, reasons",
    [
        (dict(prompt="A new prompt."), NOTHING, ("prompt",)),
        (dict(seed=7), NOTHING, ("seed",)),
        (dict(camera_move="pan_left"), NOTHING, ("camera_move",)),
        (dict(characters=("WREN", "OTTO")), NOTHING, ("characters",)),
        ({}, replace(NOTHING, model_after="diffusers v1 (tiny-sd)"), ("model",)),
        ({}, NOTHING, ("other",)),  # e.g. a render setting changed: the take is made again all the same
    ],
)
def test_a_changed_shot_says_what_changed(edit, takes, reasons):
    before = shots_of()
    after = [replace(shot, **edit) if shot.code == "SQ010_SH020" else shot for shot in before]
    plans = {plan.code: plan for plan in plan_shots(before, after, {"SQ010_SH020": takes})}
    assert (plans["SQ010_SH020"].category, plans["SQ010_SH020"].changes) == ("changed", reasons)


def test_a_shot_with_its_picture_stored_but_a_new_length_is_retimed():
    before = shots_of()
    after = [
        replace(shot, duration_frames=shot.duration_frames + 4) if shot.code == "SQ010_SH030" else shot
        for shot in before
    ]
    plans = {
        plan.code: plan
        for plan in plan_shots(before, after, {shot.code: STORED for shot in before} | {"SQ010_SH030": PICTURE_ONLY})
    }
    retimed = plans["SQ010_SH030"]
    assert (retimed.category, retimed.changes) == ("retimed", ("timing",))
    assert retimed.encodes_clip and not retimed.renders_keyframe


def test_script_diff_counts_lines_added_and_removed():
    assert diff_script(SCRIPT, SCRIPT) == ScriptDiff(0, 0)
    assert diff_script(SCRIPT, SCRIPT.replace("an hour.", "a minute.")) == ScriptDiff(1, 1)
    assert diff_script(SCRIPT, SCRIPT + "\nEXT. LOT - NIGHT\n\nA truck idles.\n") == ScriptDiff(4, 0)


def test_compute_is_estimated_from_measured_takes_only():
    before = shots_of()
    after = shots_of(SCRIPT + "\nEXT. LOT - NIGHT\n\nA truck idles.\n")
    takes = {shot.code: STORED for shot in before} | {"SQ010_SH030": PICTURE_ONLY}
    plans = plan_shots(before, after, takes)
    added = next(plan for plan in plans if plan.category == "added")
    retimed = next(plan for plan in plans if plan.category == "retimed")

    estimate = estimate_compute(plans, [2.0, 4.0], [(1.0, 10), (3.0, 10)], ["cpu", "cpu"])
    # one keyframe at the mean 3 s, and both clips' frames at the mean 0.2 s a frame
    assert estimate.seconds == pytest.approx(3.0 + 0.2 * (added.frames_after + retimed.frames_after))
    assert (estimate.keyframes, estimate.clips, estimate.keyframe_takes, estimate.clip_takes) == (1, 2, 2, 2)
    assert "2 measured keyframe takes" in estimate.basis and "cpu" in estimate.basis

    unmeasured = estimate_compute(plans, [], [])
    assert (unmeasured.seconds, unmeasured.basis) == (None, NO_MEASUREMENTS)
    assert estimate_compute(plans, [], [(1.0, 10)]).seconds is None  # no keyframe was ever measured
    nothing = plan_shots(before, before, {shot.code: STORED for shot in before})
    assert estimate_compute(nothing, [], []).seconds == 0.0  # nothing to render costs nothing
