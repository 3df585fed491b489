"""A line in the mix is audible over what surrounds it, and whole: no full-scale samples, nothing
cut off by the film's end."""

from __future__ import annotations

import numpy as np

from film_assets.domain.sound.line_qc import measure_line

RATE = 48_000


def _speech(seconds: float, seed: int = 1) -> np.ndarray:
    """Speech-like: a voiced tone with a syllable envelope, and a little noise."""
    t = np.arange(int(seconds * RATE)) / RATE
    rng = np.random.default_rng(seed)
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    return (0.3 * envelope * np.sin(2 * np.pi * 180 * t) + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def _mix(total_s: float, line: np.ndarray, start_s: float, gain: float, bed: float) -> np.ndarray:
    rng = np.random.default_rng(9)
    mix = (bed * rng.standard_normal((int(total_s * RATE), 2))).astype(np.float32)
    start = int(start_s * RATE)
    end = min(start + len(line), len(mix))
    mix[start:end] += gain * line[: end - start, None]
    return mix


def test_a_line_over_a_quiet_bed_is_audible_and_whole():
    line = _speech(1.5)
    measured = measure_line(_mix(4, line, 1.0, 0.8, 0.01), RATE, 12, 1.0, line)
    assert measured.audible and measured.whole and measured.problem() is None
    assert measured.over_rest_db > 20
    assert -25 < measured.level_dbfs < -10


def test_a_line_buried_under_the_music_is_not_audible():
    line = _speech(1.5)
    measured = measure_line(_mix(4, line, 1.0, 0.8, 0.5), RATE, 12, 1.0, line)
    assert not measured.audible and measured.over_rest_db < 0
    assert measured.problem().startswith("line 12: ")


def test_a_line_that_is_not_there_is_not_audible():
    line = _speech(1.5)
    silence = np.zeros((4 * RATE, 2), np.float32)
    assert not measure_line(silence, RATE, 12, 1.0, line).audible


def test_full_scale_samples_and_a_line_past_the_end_are_named():
    line = _speech(1.5)
    hot = _mix(4, line, 1.0, 4.0, 0.01)
    np.clip(hot, -1.0, 1.0, out=hot)  # what a fixed-point write does to a line mixed too hot
    measured = measure_line(hot, RATE, 12, 1.0, line)
    assert measured.clipped_samples > 100 and not measured.whole
    assert "samples at full scale" in measured.problem()
    late = measure_line(_mix(3, line, 2.0, 0.8, 0.01), RATE, 12, 2.0, line)
    assert late.cut_s == 0.5 and not late.whole and "0.50 s cut off" in late.problem()
