"""A scene as the score sees it: where it sits in the film, what it says and its seed. The mood
reads it and the music is written for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SceneCue:
    scene_index: int
    heading: str
    int_ext: str
    location: str
    time_of_day: str
    action_text: str  # the scene's action paragraphs joined
    start_s: float  # where the scene starts in the film
    duration_s: float  # how long it lasts
    seed: int  # deterministic variation (0 <= seed < 2**31)
