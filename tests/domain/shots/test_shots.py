"""The shot list is deterministic and every shot says where it came from."""

from __future__ import annotations

import re
from fractions import Fraction

import pandas as pd
import pytest

from film_assets.domain.screenplay.fountain import parse_fountain
from film_assets.domain.shots.breakdown import (
    MAX_ACTION_SHOT_S,
    MIN_SHOT_S,
    break_down_shots,
    dialogue_line_count,
    shot_seed,
)
from film_assets.domain.shots.table import shots_from_frame, shots_to_frame
from tests.conftest import EXAMPLES

SCRIPT = """\
Title: Two Rooms

EXT. HARBOUR - DAWN

Gulls wheel over the water. TOMÁS hauls a crate up the ramp.

TOMÁS
(under his breath)
One more.

INT. NET SHED - NIGHT

MARTA
Did you count them?

TOMÁS ^
Twice.

> CUT TO:

.THE END OF THE PIER

>THE END<
"""


@pytest.fixture
def shots():
    return break_down_shots(parse_fountain(SCRIPT, "two_rooms.fountain"), "two-rooms", fps=24)


def test_shot_codes_step_by_ten_per_scene(shots):
    assert [s.code for s in shots] == [
        "SQ010_SH010",
        "SQ010_SH020",
        "SQ020_SH010",
        "SQ020_SH020",
        "SQ030_SH010",
        "SQ030_SH020",
    ]
    assert all(re.fullmatch(r"SQ\d{3}_SH\d{3}", s.code) for s in shots)


def test_each_shot_type_follows_the_script(shots):
    assert [s.shot_type for s in shots] == [
        "establishing",
        "dialogue",
        "establishing",
        "dialogue",
        "establishing",
        "card",
    ]
    dual = shots[3]
    assert dual.characters == ("MARTA", "TOMÁS")
    assert [line.text for line in dual.dialogue] == ["Did you count them?", "Twice."]
    assert all(line.offset_s == dual.dialogue[0].offset_s for line in dual.dialogue), "dual dialogue is simultaneous"
    assert shots[4].transition_in == "CUT TO:"


def test_shots_trace_back_to_the_script_line(shots):
    lines = SCRIPT.splitlines()
    assert lines[shots[0].source_line - 1].startswith("Gulls wheel")
    assert lines[shots[1].source_line - 1] == "TOMÁS"
    assert lines[shots[1].dialogue[0].line - 1] == "One more."
    assert shots[1].dialogue[0].parenthetical == "(under his breath)"


def test_prompt_is_built_from_heading_action_and_characters(shots):
    prompt = shots[0].prompt
    assert "Exterior, harbour, dawn" in prompt
    assert "Gulls wheel over the water" in prompt
    assert "TOMÁS" in prompt and "Wide establishing shot" in prompt
    assert "Interior, net shed, night" in shots[3].prompt and "MARTA, TOMÁS" in shots[3].prompt


def test_durations_cover_the_speech_and_respect_bounds():
    script = parse_fountain((EXAMPLES / "night_shift.fountain").read_text(), "night_shift.fountain")
    shots = break_down_shots(script, "night-shift", fps=24)
    for shot in shots:
        assert shot.duration_s >= MIN_SHOT_S - 1 / 24
        if shot.shot_type == "action":
            assert shot.duration_s <= MAX_ACTION_SHOT_S + 1 / 24
        for line in shot.dialogue:
            assert line.offset_s + line.duration_s <= shot.duration_s, f"{shot.code} clips its line"
    long_line = max((line for shot in shots for line in shot.dialogue), key=lambda line: len(line.text.split()))
    assert long_line.duration_s >= len(long_line.text.split()) / 3.0


def test_durations_are_whole_frames_and_start_times_add_up():
    script = parse_fountain((EXAMPLES / "lighthouse.fountain").read_text(), "lighthouse.fountain")
    shots = break_down_shots(script, "lighthouse", fps=23.976)
    fps = Fraction(24000, 1001)
    elapsed = 0
    for shot in shots:
        assert shot.duration_s == pytest.approx(float(shot.duration_frames / fps), abs=1e-6)
        assert shot.start_s == pytest.approx(float(elapsed / fps), abs=1e-6)
        elapsed += shot.duration_frames


def test_same_script_gives_same_shots():
    text = (EXAMPLES / "night_shift.fountain").read_text()
    first = shots_to_frame(break_down_shots(parse_fountain(text, "a.fountain"), "night-shift"))
    second = shots_to_frame(break_down_shots(parse_fountain(text, "a.fountain"), "night-shift"))
    pd.testing.assert_frame_equal(first, second)


def test_seeds_come_from_project_and_shot_code():
    assert shot_seed("night-shift", "SQ010_SH010") == shot_seed("night-shift", "SQ010_SH010")
    assert shot_seed("night-shift", "SQ010_SH010") != shot_seed("night-shift", "SQ010_SH020")
    assert shot_seed("night-shift", "SQ010_SH010") != shot_seed("other-film", "SQ010_SH010")
    assert 0 <= shot_seed("x", "SQ010_SH010") < 2**31


def test_shot_table_round_trips_through_parquet(shots, tmp_path):
    frame = shots_to_frame(shots)
    frame.to_parquet(tmp_path / "shot_list.parquet", index=False)
    assert shots_from_frame(pd.read_parquet(tmp_path / "shot_list.parquet")) == shots


def test_every_dialogue_line_is_covered_once():
    script = parse_fountain((EXAMPLES / "night_shift.fountain").read_text(), "night_shift.fountain")
    shots = break_down_shots(script, "night-shift")
    covered = [line.line for shot in shots for line in shot.dialogue]
    assert len(covered) == len(set(covered)) == dialogue_line_count(shots)
    spoken_blocks = [e for scene in script.scenes for e in scene.elements if e.kind == "dialogue"]
    assert dialogue_line_count(shots) >= len(spoken_blocks)


def test_continuous_scenes_keep_the_light_of_the_scene_before():
    script = parse_fountain(
        "EXT. ROOF - DUSK\n\nWind.\n\nINT. STAIRWELL - CONTINUOUS\n\nSteps.\n\n"
        "INT. FLAT - LATER\n\nQuiet.\n\nEXT. STREET - DAY\n\nSun.\n",
        "t.fountain",
    )
    shots = break_down_shots(script, "t")
    assert [s.time_of_day for s in shots] == ["DUSK", "DUSK", "DUSK", "DAY"]
    assert "Interior, stairwell, dusk" in shots[1].prompt
    assert shots[1].scene_heading == "INT. STAIRWELL - CONTINUOUS", "the heading itself is shown as written"


def test_a_sung_block_shows_its_lyrics_as_caption():
    script = parse_fountain("INT. BAR - NIGHT\n\nMAE\n~Fly me to the moon\n~Let me play\n", "t.fountain")
    (sung,) = [s for s in break_down_shots(script, "t") if s.shot_type == "dialogue"]
    assert sung.caption == 'MAE: "♪ Fly me to the moon ♪ ♪ Let me play ♪"'
    assert [line.kind for line in sung.dialogue] == ["lyric"]
