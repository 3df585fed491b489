"""The mix: dialogue placed on the film's timeline, music ducked under speech, then loudness.

Plain numpy, vectorised over the whole film (a 60 s stereo film is ~3 M samples a channel).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from film_assets.domain.sound.loudness import LoudnessReport, integrated_loudness, normalize_loudness

MUSIC_BED_DB = -15.0  # the score's loudness relative to the dialogue's: a bed, not a rival
DUCK_DB = -12.0  # and a further dip under each line
DUCK_PRE_ROLL_S = 0.15  # the music dips just before a line starts
DUCK_HOLD_S = 0.25  # and stays down through short gaps
DUCK_RAMP_S = 0.12  # length of the dip's fade
SPEECH_GATE_DBFS = -45.0
ACTIVITY_WINDOW_S = 0.02


@dataclass(frozen=True)
class PlacedLine:
    line: int  # the dialogue line's id (script line)
    start_s: float  # where its speech starts in the film
    samples: np.ndarray  # mono float32 at the mix's sample rate
    pan: float = 0.0  # -1 left .. +1 right; dual dialogue is split across the frame


DUAL_PAN = 0.6


def pans_for(count: int) -> list[float]:
    """Centre for one speaker; lines spoken together spread across the stereo field."""
    return [0.0] if count == 1 else list(np.linspace(-DUAL_PAN, DUAL_PAN, count))


def place_dialogue(lines: list[PlacedLine], total_samples: int, sample_rate: int) -> np.ndarray:
    """A stereo dialogue stem: each line at its start and pan (equal-power law); overlaps add."""
    stem = np.zeros((total_samples, 2), dtype=np.float32)
    for placed in lines:
        start = int(round(placed.start_s * sample_rate))
        if start >= total_samples:
            raise ValueError(f"line {placed.line} starts at {placed.start_s:.2f} s, after the film ends")
        end = min(start + len(placed.samples), total_samples)
        angle = (placed.pan + 1) * np.pi / 4
        stem[start:end] += placed.samples[: end - start, None] * np.array([np.cos(angle), np.sin(angle)], np.float32)
    return stem


def speech_activity(dialogue: np.ndarray, sample_rate: int) -> np.ndarray:
    """Per sample, 1.0 where someone speaks (with pre-roll and hold), else 0.0."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d  # loaded where used: see loudness.py

    # the louder channel per sample; np.maximum over the columns is ~8x faster than max(axis=1)
    mono = np.abs(dialogue[:, 0] if dialogue.ndim == 2 else dialogue)
    for channel in dialogue.T[1:] if dialogue.ndim == 2 else ():
        np.maximum(mono, np.abs(channel), out=mono)
    window = max(int(ACTIVITY_WINDOW_S * sample_rate), 1)
    rms = np.sqrt(np.maximum(uniform_filter1d(mono.astype(np.float64) ** 2, size=window), 0.0))
    active = (rms > 10 ** (SPEECH_GATE_DBFS / 20)).astype(np.float32)
    # widen each active stretch: it starts pre_roll earlier and ends hold later, i.e. a maximum
    # over [n - hold, n + pre_roll]: a centred maximum of that width, shifted into place
    pre, hold = int(DUCK_PRE_ROLL_S * sample_rate), int(DUCK_HOLD_S * sample_rate)
    centred = maximum_filter1d(active, size=pre + hold + 1)
    shift = (pre - hold) // 2  # negative: the window leans backwards
    shifted = np.empty_like(centred)
    if shift >= 0:
        shifted[: len(centred) - shift], shifted[len(centred) - shift :] = centred[shift:], centred[-1]
    else:
        shifted[-shift:], shifted[:-shift] = centred[:shift], centred[0]
    return shifted


def duck_gain(dialogue: np.ndarray, sample_rate: int, depth_db: float = DUCK_DB) -> np.ndarray:
    """The music's gain curve: depth_db under speech, ramping smoothly in and out."""
    from scipy.ndimage import uniform_filter1d

    active = speech_activity(dialogue, sample_rate)
    ramp = max(int(DUCK_RAMP_S * sample_rate), 1)
    smoothed = uniform_filter1d(active, size=ramp)
    return (1.0 + smoothed * (10 ** (depth_db / 20) - 1.0)).astype(np.float32)


def mix_tracks(
    dialogue: np.ndarray,
    music: np.ndarray,
    sample_rate: int,
    target_lufs: float,
    ceiling_dbtp: float,
    duck_db: float = DUCK_DB,
) -> tuple[np.ndarray, LoudnessReport]:
    """Dialogue over the music bed (ducked under speech), normalised to the target loudness under
    the true-peak ceiling. A film without dialogue keeps its music at its own level."""
    if dialogue.shape != music.shape:
        raise ValueError(f"dialogue {dialogue.shape} and music {music.shape} must cover the same film")
    speech_lufs, music_lufs = integrated_loudness(dialogue, sample_rate), integrated_loudness(music, sample_rate)
    if np.isfinite(speech_lufs) and np.isfinite(music_lufs):
        music = music * np.float32(10 ** ((speech_lufs + MUSIC_BED_DB - music_lufs) / 20))
    gain = duck_gain(dialogue, sample_rate, duck_db)
    mixed = dialogue + music * gain[:, None]
    return normalize_loudness(mixed, sample_rate, target_lufs, ceiling_dbtp)
