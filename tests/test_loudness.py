"""Our loudness meter is pyloudnorm's (BS.1770-4), measured the same on real programme material;
the normaliser lands on the target under the ceiling."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from film_assets.domain.audio import SAMPLE_RATE
from film_assets.domain.dialogue import LineSpec, SpokenPart
from film_assets.domain.loudness import integrated_loudness, normalize_loudness, true_peak_dbtp
from film_assets.domain.mix import PlacedLine, mix_tracks, place_dialogue
from film_assets.domain.music import SceneCue
from resources.composer import ProceduralComposer
from resources.voice import EspeakVoice


@pytest.fixture(scope="module")
def programme() -> dict[str, np.ndarray]:
    """Half a minute of real score, real speech and their mix (stereo, 48 kHz)."""
    cue = SceneCue(scene_index=0, heading="EXT. HARBOUR - NIGHT", int_ext="EXT", location="HARBOUR",
                   time_of_day="NIGHT", action_text="Rain. A storm rolls in.", start_s=0.0, duration_s=30.0, seed=7)
    music, _ = ProceduralComposer().compose([cue])
    voice = EspeakVoice()
    lines = [voice.speak(LineSpec(line=n, scene_index=0, character="MARA", extensions=(),
                                  parts=(SpokenPart(text),)), "en-gb+f2")
             for n, text in enumerate(["Keep the light burning.", "The storm is early this year.",
                                       "Nobody is coming, not tonight."], start=1)]
    placed = [PlacedLine(n, 2.0 + 8.0 * n, line.samples, 0.0) for n, line in enumerate(lines)]
    dialogue = place_dialogue(placed, len(music), SAMPLE_RATE)
    mixed, _ = mix_tracks(dialogue, music, SAMPLE_RATE, -14.0, -2.0)
    return {"music": music, "dialogue": dialogue, "mix": mixed, "left": mixed[:, 0]}


@pytest.mark.parametrize("name", ["music", "dialogue", "mix", "left"])
def test_our_meter_reads_what_pyloudnorm_reads(programme, name):
    samples = programme[name]
    reference = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(np.asarray(samples, dtype=np.float64))
    assert integrated_loudness(samples, SAMPLE_RATE) == pytest.approx(reference, abs=1e-6)


def test_silence_and_a_too_short_signal_have_no_loudness():
    assert integrated_loudness(np.zeros((SAMPLE_RATE * 2, 2)), SAMPLE_RATE) == float("-inf")
    assert integrated_loudness(np.zeros((SAMPLE_RATE // 10, 2)), SAMPLE_RATE) == float("-inf")


@pytest.mark.parametrize("target", [-14.0, -23.0])
def test_normalised_mix_is_on_target_under_the_ceiling(programme, target):
    out, report = normalize_loudness(programme["mix"] * np.float32(3.0), SAMPLE_RATE, target, -2.0)
    measured = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(out.astype(np.float64))
    assert measured == pytest.approx(target, abs=0.5) and report.integrated_lufs == pytest.approx(measured, abs=1e-6)
    assert true_peak_dbtp(out) <= -2.0 + 1e-3
