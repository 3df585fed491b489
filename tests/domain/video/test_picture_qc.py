"""Picture QC measures: a blank keyframe, a clip's length, and black or frozen stretches the
script does not ask for."""

from __future__ import annotations

import numpy as np

from film_assets.domain.screenplay.fountain import parse_fountain
from film_assets.domain.shots.breakdown import break_down_shots
from film_assets.domain.video.picture_qc import (
    Stretch,
    clip_length_problem,
    closing_transition,
    intended_windows,
    is_blank,
    unintended_stretches,
)

FADES = """\
FADE IN:

INT. KITCHEN - NIGHT

A kettle starts to sing.

She reaches for the knife block, slowly, counting the steps to the door.

MARA
Who's there?

CUT TO BLACK.

EXT. YARD - NIGHT

Nobody. Wind in the washing.

FADE OUT.
"""


def test_a_flat_or_nearly_flat_picture_is_blank_and_a_dark_drawing_is_not():
    rng = np.random.default_rng(7)
    assert is_blank(np.zeros((90, 160), np.uint8))
    assert is_blank(np.full((90, 160), 255, np.uint8))
    assert is_blank(rng.integers(40, 43, (90, 160)).astype(np.uint8))  # sensor-like noise on grey
    dark = np.full((90, 160), 12, np.uint8)
    dark[30:60, 40:120] = 30  # a dim figure on a night background
    assert not is_blank(dark)
    assert is_blank(np.zeros((0, 0), np.uint8))


def test_a_clip_within_one_frame_of_its_shot_passes_and_two_frames_off_does_not():
    assert clip_length_problem("SQ010_SH010", 48, 24.0, 48, 2.0) is None
    assert clip_length_problem("SQ010_SH010", 48, 24.0, 49, 2.0 + 1 / 24) is None
    problem = clip_length_problem("SQ010_SH010", 48, 24.0, 46, 46 / 24)
    assert problem == "SQ010_SH010: 46 frames (1.917 s), shot list 48 (2.000 s)"
    # the frames are all there but the last one's timing runs long
    assert clip_length_problem("SQ010_SH010", 48, 24.0, 48, 2.5) is not None


def test_only_the_shots_around_a_fade_or_black_transition_may_be_dark():
    screenplay = parse_fountain(FADES, "fades.fountain")
    shots = break_down_shots(screenplay, "fades", 24)
    assert closing_transition(screenplay) == "FADE OUT."
    windows = intended_windows(shots, closing_transition(screenplay))
    by_code = {s.code: (s.start_s, s.start_s + s.duration_s) for s in shots}
    yard = shots.index(next(s for s in shots if s.scene_index == 1))
    assert windows == [
        by_code[shots[0].code],  # FADE IN: the opening shot
        (shots[yard - 1].start_s, by_code[shots[yard].code][1]),  # CUT TO BLACK: the shots either side
        by_code[shots[-1].code],  # FADE OUT: the closing shot
    ]
    middle = shots[1]  # the knife block: nothing asks for black there
    assert middle.code not in {shots[0].code, shots[yard - 1].code, shots[yard].code, shots[-1].code}
    inside = Stretch("black", middle.start_s + 0.1, middle.start_s + 1.4)
    assert unintended_stretches([inside], windows) == [inside]
    assert unintended_stretches([inside], windows[:0]) == [inside]
    fade_out = Stretch("black", shots[-1].start_s, shots[-1].start_s + 1.5)
    assert unintended_stretches([fade_out], windows) == []


def test_a_stretch_must_be_longer_than_a_second_to_count():
    assert unintended_stretches([Stretch("frozen", 3.0, 4.0)], []) == []
    assert unintended_stretches([Stretch("frozen", 3.0, 4.05)], []) == [Stretch("frozen", 3.0, 4.05)]


def test_a_script_without_fades_asks_for_no_black():
    plain = FADES.replace("FADE IN:\n\n", "").replace("CUT TO BLACK.", "CUT TO:").replace("FADE OUT.\n", "")
    screenplay = parse_fountain(plain, "plain.fountain")
    shots = break_down_shots(screenplay, "plain", 24)
    assert intended_windows(shots, closing_transition(screenplay)) == []
