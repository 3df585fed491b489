"""Picture QC measures: a blank keyframe, a clip's length against its shot, and black or frozen
stretches of the cut that the script does not ask for.

Plain numpy and the shot list: bindings/picture_probe.py decodes the pictures and runs ffmpeg's
detectors, the measures here judge what they found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from film_assets.domain.screenplay.document import Screenplay
from film_assets.domain.shots.breakdown import Shot

# A picture whose luma (0-255) varies less than this shows nothing: a flat fill, an all-black or
# all-white frame. A storyboard panel at night, the darkest we draw, varies by tens.
BLANK_SPREAD = 2.0
STRETCH_LIMIT_S = 1.0  # black or frozen for longer than this, where not asked for, is a defect
# "FADE IN:", "FADE OUT.", "FADE TO BLACK.", "CUT TO BLACK.", "> FADE TO WHITE.": the script asks
# for a picture without content there
INTENDED = re.compile(r"\b(FADE|BLACK)\b")


def luma_spread(luma: np.ndarray) -> float:
    """The standard deviation of a picture's luma (0-255)."""
    return float(np.std(luma, dtype=np.float64))


def is_blank(luma: np.ndarray) -> bool:
    return luma.size == 0 or luma_spread(luma) < BLANK_SPREAD


def clip_length_problem(code: str, expected_frames: int, fps: float, frames: int, end_s: float) -> str | None:
    """What is wrong with a clip's length, or None when its frames and its end are within one frame
    of the shot list's duration."""
    expected_s = expected_frames / fps
    if abs(frames - expected_frames) <= 1 and abs(end_s - expected_s) <= 1 / fps + 1e-6:
        return None
    return f"{code}: {frames} frames ({end_s:.3f} s), shot list {expected_frames} ({expected_s:.3f} s)"


@dataclass(frozen=True)
class Stretch:
    kind: str  # "black" or "frozen"
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def closing_transition(screenplay: Screenplay) -> str:
    """The transition that ends the script ("FADE OUT."), which no shot follows; "" if none."""
    elements = [e for scene in screenplay.scenes[-1:] for e in scene.elements if e.kind != "page_break"]
    return elements[-1].text if elements and elements[-1].kind == "transition" else ""


def intended_windows(shots: Sequence[Shot], closing: str = "") -> list[tuple[float, float]]:
    """Where the script asks for black (seconds of the cut): a FADE or BLACK transition may hold
    the shot before it and the shot after it, since the script does not say how long it lasts."""
    windows = []
    for index, shot in enumerate(shots):
        if INTENDED.search(shot.transition_in.upper()):
            start = shots[index - 1].start_s if index else shot.start_s
            windows.append((start, shot.start_s + shot.duration_s))
    if shots and INTENDED.search(closing.upper()):
        windows.append((shots[-1].start_s, shots[-1].start_s + shots[-1].duration_s))
    return windows


def unintended_stretches(
    stretches: Sequence[Stretch], windows: Sequence[tuple[float, float]], limit_s: float = STRETCH_LIMIT_S
) -> list[Stretch]:
    """The stretches longer than limit_s that overlap no window the script asked for."""
    return [
        s
        for s in stretches
        if s.duration_s > limit_s and not any(s.start_s < end and s.end_s > start for start, end in windows)
    ]


def shots_during(shots: Sequence[Shot], start_s: float, end_s: float) -> list[str]:
    """The codes of the shots on screen between start_s and end_s."""
    return [s.code for s in shots if s.start_s < end_s and s.start_s + s.duration_s > start_s]
