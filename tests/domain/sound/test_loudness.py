"""Our loudness meter is pyloudnorm's (BS.1770-4), measured the same on real programme material;
the normaliser lands on the target under the ceiling."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from film_assets.domain.screenplay.dialogue import LineSpec, SpokenPart
from film_assets.domain.sound.audio import SAMPLE_RATE
from film_assets.domain.sound.cues import SceneCue
from film_assets.domain.sound.loudness import integrated_loudness, normalize_loudness, true_peak_dbtp
from film_assets.domain.sound.mix import PlacedLine, mix_tracks, place_dialogue
from resources.composer import ProceduralComposer
from resources.voice import EspeakVoice


@pytest.fixture(scope="module")
def programme() -> dict[str, np.ndarray]:
    """Half a minute of real score, real speech and their mix (stereo, 48 kHz)."""
    cue = SceneCue(
        scene_index=0,
        heading="EXT. HARBOUR - NIGHT",
        int_ext="EXT",
        location="HARBOUR",
        time_of_day="NIGHT",
        action_text="Rain. A storm rolls in.",
        start_s=0.0,
        duration_s=30.0,
        seed=7,
    )
    music, _ = ProceduralComposer().compose([cue])
    voice = EspeakVoice()
    lines = [
        voice.speak(
            LineSpec(line=n, scene_index=0, character="MARA", extensions=(), parts=(SpokenPart(text),)), "en-gb+f2"
        )
        for n, text in enumerate(
            ["Keep the light burning.", "The storm is early this year.", "Nobody is coming, not tonight."], start=1
        )
    ]
    placed = [PlacedLine(n, 2.0 + 8.0 * n, line.samples, 0.0) for n, line in enumerate(lines)]
    dialogue = place_dialogue(placed, len(music), SAMPLE_RATE)
    mixed, _ = mix_tracks(dialogue, music, SAMPLE_RATE, -14.0, -2.0)
    return {"music": music, "dialogue": dialogue, "mix": mixed, "left": mixed[:, 0]}


@pytest.mark.parametrize("name", ["music", "dialogue", "mix", "left"])
def test_our_meter_reads_what_pyloudnorm_reads(programme, name):
    samples = programme[name]
    reference = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(np.asarray(samples, dtype=np.float64))
    assert integrated_loudness(samples, SAMPLE_RATE) == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize("rate", [44100, 11025])  # 100 ms in whole samples, and not: both block paths
@pytest.mark.parametrize("seconds", [0.45, 3.37])  # the last block runs past the end of the signal
def test_our_meter_reads_what_pyloudnorm_reads_at_other_rates(programme, rate, seconds):
    samples = programme["mix"][: int(seconds * rate)]
    reference = pyloudnorm.Meter(rate).integrated_loudness(np.asarray(samples, dtype=np.float64))
    assert integrated_loudness(samples, rate) == pytest.approx(reference, abs=1e-9)


def test_silence_and_a_too_short_signal_have_no_loudness():
    assert integrated_loudness(np.zeros((SAMPLE_RATE * 2, 2)), SAMPLE_RATE) == float("-inf")
    assert integrated_loudness(np.zeros((SAMPLE_RATE // 10, 2)), SAMPLE_RATE) == float("-inf")


@pytest.mark.parametrize("target", [-14.0, -23.0])
def test_normalised_mix_is_on_target_under_the_ceiling(programme, target):
    out, report = normalize_loudness(programme["mix"] * np.float32(3.0), SAMPLE_RATE, target, -2.0)
    measured = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(out.astype(np.float64))
    assert measured == pytest.approx(target, abs=0.5) and report.integrated_lufs == pytest.approx(measured, abs=1e-6)
    assert true_peak_dbtp(out) <= -2.0 + 1e-3


def test_limiter_envelope_is_the_whole_signal_ramp_computed_near_the_peaks_only():
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    from film_assets.domain.sound.loudness import LIMITER_WINDOW_S, limiter_gain

    rng = np.random.default_rng(3)
    peaks = np.abs(rng.normal(0.0, 0.1, SAMPLE_RATE * 4)).astype(np.float32)
    peaks[rng.integers(0, len(peaks), 40)] = rng.uniform(0.6, 1.5, 40)  # sparse overs, some near each other
    needed = np.minimum(1.0, 0.5 / np.maximum(peaks, 1e-12)).astype(np.float32)
    window = int(LIMITER_WINDOW_S * SAMPLE_RATE)
    whole = np.minimum(uniform_filter1d(minimum_filter1d(needed, size=2 * window + 1), size=window + 1), needed)
    envelope = limiter_gain(peaks, 0.5, SAMPLE_RATE)
    assert 0 < (envelope < 1.0).mean() < 0.5  # some peaks limited, most of the signal untouched
    np.testing.assert_allclose(envelope, whole, atol=1e-6)
    assert np.all(peaks * envelope <= 0.5 + 1e-6)


def test_reported_true_peak_is_the_limited_outputs(programme):
    out, report = normalize_loudness(programme["mix"] * np.float32(3.0), SAMPLE_RATE, -9.0, -2.0)
    assert report.limited_db < -1.0  # the limiter worked: the report's peak is not just the source's scaled
    assert report.true_peak_dbtp == pytest.approx(true_peak_dbtp(out), abs=1e-4)


def test_true_peak_finds_the_peak_between_samples():
    # a quarter-rate sine sampled 45 degrees off its crests: every sample reads 0.707 of a
    # full-scale wave, whose true peak is 0 dBTP (BS.1770 Annex 2's reason for oversampling)
    n = np.arange(SAMPLE_RATE)
    wave = np.sin(np.pi / 2 * n + np.pi / 4).astype(np.float32)
    assert 20 * np.log10(np.abs(wave).max()) == pytest.approx(-3.01, abs=0.01)
    assert true_peak_dbtp(wave) == pytest.approx(0.0, abs=0.1)


def test_oversampled_peaks_are_the_4x_interpolation_by_scipy(programme):
    from scipy.signal import upfirdn

    from film_assets.domain.sound.loudness import OVERSAMPLE, interpolator, oversampled_peaks

    mix = programme["mix"][: SAMPLE_RATE * 5]
    reference = np.max(
        [
            np.abs(upfirdn(interpolator(), channel, up=OVERSAMPLE)[: len(mix) * OVERSAMPLE])
            .reshape(len(mix), OVERSAMPLE)
            .max(axis=1)
            for channel in mix.T
        ],
        axis=0,
    )
    np.testing.assert_allclose(oversampled_peaks(mix), reference, atol=1e-6)
