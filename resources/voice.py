"""Voices: one `Voice` interface that casts characters and speaks lines, espeak-ng by default.

A voice says what made each clip (engine, version, voice id, deliveries, effects), which is
what lineage and content-addressed re-synthesis rely on, like the renderer does for keyframes.

A heavier engine plugs in behind the same interface: subclass `Voice`, give it its own `name`
and `version`, map the same character names to its own speaker ids in `cast`, and return a
`SpokenLine` (float32 mono at film_assets.domain.sound.audio.SAMPLE_RATE, parameters naming the
model and its revision) from `speak`. A neural TTS shipped as a wheel would load its model
lazily inside `speak` (once per process, like the espeak library) and keep its framework
imports there too, so CPU-only installs and this module never import torch. The delivery table
(film_assets.domain.sound.voices.delivery_for) and the V.O./O.S. effects can be reused as they are.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping

from film_assets.bindings import espeak
from film_assets.domain.screenplay.dialogue import LineSpec
from film_assets.domain.sound.voices import VOICES_VERSION, SpokenLine, cast_voices, speak_line
from resources.versioned import MediaMaker


class Voice(MediaMaker):
    """Gives every dialogue line a spoken voice."""

    @abstractmethod
    def cast(self, characters: list[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        """Character -> voice id, deterministic; overrides win, bad ones raise ValueError."""

    @abstractmethod
    def speak(self, line: LineSpec, voice_id: str) -> SpokenLine:
        """The line spoken by `voice_id`, trimmed so speech starts at the clip's start."""


class EspeakVoice(Voice):
    """espeak-ng from the `espeakng-loader` wheel: offline, CPU, a few ms per second of speech.
    Robotic, but every character sounds different and the same line always gives the same audio."""

    @property
    def name(self) -> str:
        return "espeak-ng"

    @property
    def version(self) -> str:
        # our casting/delivery/effect code and the engine both change the audio
        return f"{VOICES_VERSION}+{espeak.version()}"  # e.g. "1+1.52.0"

    def cast(self, characters: list[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        return cast_voices(characters, overrides, espeak)

    def speak(self, line: LineSpec, voice_id: str) -> SpokenLine:
        return speak_line(line, voice_id, espeak)
