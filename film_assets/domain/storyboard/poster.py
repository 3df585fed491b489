"""Which shot's keyframe becomes the film's poster frame.

The first shot with a character on screen: a face says more about a film than its establishing
exterior or a title card, and it stays the same shot from render to render (a frame picked from
"the middle of the film" moves whenever a line is retimed). A film with no characters at all
takes its middle shot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class PosterCandidate(Protocol):
    code: str
    shot_type: str  # establishing | action | dialogue | card
    characters: tuple[str, ...]


def poster_shot(shots: Sequence[PosterCandidate]) -> str:
    """The code of the shot whose keyframe is the poster; ValueError for a film without shots."""
    if not shots:
        raise ValueError("a film without shots has no poster frame")
    for shot in shots:
        if shot.characters and shot.shot_type != "card":
            return shot.code
    return shots[len(shots) // 2].code
