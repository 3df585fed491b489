"""Film composers: one `Composer` interface, a procedural CPU composer by default.

A composer turns the film's scene cues into one stereo music track at SAMPLE_RATE (48 kHz) and
says, per scene, what shaped the music (composer, version, mood, key, mode, tempo, seed), which is
what lineage and content-addressed re-renders rely on.

A model-based composer, MusicGenComposer (resources/musicgen_composer.py: MusicGen through
transformers, from gpu_ops), plugs in behind the same interface when a music model is configured
(--music-model or FILMSTUDIO_MUSIC_MODEL).
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from film_assets.domain.sound.audio import SAMPLE_RATE
from film_assets.domain.sound.cues import SceneCue
from film_assets.domain.sound.music import compose_score
from resources.versioned import MediaMaker


class Composer(MediaMaker):
    """Writes the score of a film, one cue per scene."""

    @abstractmethod
    def compose(self, cues: list[SceneCue]) -> tuple[np.ndarray, list[dict]]:
        """Stereo float32 samples (n, 2) at SAMPLE_RATE, exactly round(sum(durations) * SAMPLE_RATE)
        long (cues are contiguous, in order, from 0), and per scene a dict of what shaped its music."""


class ProceduralComposer(Composer):
    """Deterministic underscore synthesised on the CPU with numpy: a pad, bass and, for livelier
    scenes, a plucked arpeggio, in a key, mode and tempo read from each scene's time of day,
    INT/EXT and action words (see film_assets.domain.sound.music and .mood)."""

    @property
    def name(self) -> str:
        return "procedural"

    @property
    def version(self) -> str:
        return "1"  # bump when the synthesis changes, so stored scores count as stale

    def compose(self, cues: list[SceneCue]) -> tuple[np.ndarray, list[dict]]:
        samples, scenes = compose_score(cues, SAMPLE_RATE)
        return samples, [{"composer": self.name, "composer_version": self.version, **scene} for scene in scenes]
