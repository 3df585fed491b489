"""Delivery QC: measure the film as delivered (the MP4 and its SRT), not our own bookkeeping.

bindings/media_probe.py decodes the file with PyAV into a DeliveredFilm; the measures here are
plain numpy, and loudness and true peak use the same measures the mix was normalised with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from film_assets.domain.sound.audio import SAMPLE_RATE
from film_assets.domain.sound.loudness import integrated_loudness, true_peak_dbtp

CUE_TOLERANCE_S = 0.1
PRESENCE_CORRELATION = 0.5  # how much of the delivered audio in a line's window is that line
SEARCH_LAG_S = 0.03


@dataclass
class DeliveredFilm:
    """The delivered film's sound, decoded (its video's timing is video_timing's)."""

    audio: np.ndarray  # float32 (n, channels) at the stream's rate
    sample_rate: int

    @cached_property
    def mid(self) -> np.ndarray:
        return self.audio.mean(axis=1)

    @property
    def audio_duration_s(self) -> float:
        return len(self.audio) / self.sample_rate


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        rows = block.strip().splitlines()
        match = re.match(r"(\d+):(\d+):(\d+),(\d+) --> (\d+):(\d+):(\d+),(\d+)", rows[1]) if len(rows) >= 3 else None
        if match:
            h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
            cues.append(
                (h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000, " ".join(rows[2:]))
            )
    return cues


def loudness_of(film: DeliveredFilm) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of the delivered audio."""
    return integrated_loudness(film.audio, film.sample_rate), true_peak_dbtp(film.audio)


def best_alignment(channel: np.ndarray, clip: np.ndarray, start: int, max_lag: int) -> tuple[float, int]:
    """(correlation, lag in samples) of the clip against channel around start: normalised
    cross-correlation at every lag in [-max_lag, max_lag] at once, through an FFT."""
    begin = max(start - max_lag, 0)
    region = channel[begin : start + max_lag + len(clip)].astype(np.float64)
    if len(region) < len(clip) or not np.any(clip):
        return 0.0, 0
    clip = clip.astype(np.float64)
    from scipy.signal import correlate  # loaded where used: see loudness.py

    raw = correlate(region, clip, mode="valid", method="fft")
    energy = np.cumsum(np.concatenate([[0.0], region**2]))
    window_norms = np.sqrt(np.maximum(energy[len(clip) :] - energy[: -len(clip)], 1e-20))
    scores = raw / (window_norms * np.linalg.norm(clip))
    best = int(np.argmax(scores))
    return float(scores[best]), begin + best - start


def line_presence(film: DeliveredFilm, start_s: float, clip: np.ndarray) -> float:
    """How clearly a line's clip is in the delivered audio where it should be: the normalised
    correlation in the mid, or when that is too weak the best of it and either side (dual dialogue
    is panned apart), allowing a few ms of codec delay. ~1 when the line is there and clear, ~0
    when not."""
    if film.sample_rate != SAMPLE_RATE:
        raise ValueError(f"delivered audio is {film.sample_rate} Hz, expected {SAMPLE_RATE}")
    start, lag = int(round(start_s * SAMPLE_RATE)), int(SEARCH_LAG_S * SAMPLE_RATE)
    best = 0.0
    for channel in (film.mid, film.audio[:, 0], film.audio[:, -1]):
        best = max(best, best_alignment(channel, clip, start, lag)[0])
        if best >= PRESENCE_CORRELATION:
            break  # clearly there: a centred line needs no look at the sides
    return best
