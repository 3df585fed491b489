"""Each dialogue line in the mix: is it audible over everything else in its window, and is it
whole (no sample at full scale, nothing cut off by the film's end)?

The mix is sample-exact (no codec between the placed line and the WAV), so a least-squares fit of
the line's clip in the mix window splits the window into the line (scaled by the mix's gain and
pan) and the rest (music, other lines). Plain numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FULL_SCALE = 0.999  # a sample at or over this was clipped (or will be when written as PCM)
AUDIBLE_OVER_REST_DB = 0.0  # the line at least as strong as everything else in its window
SILENCE_DBFS = -60.0  # a line this quiet in the mix is not heard, whatever is around it
RATIO_CAP_DB = 60.0


@dataclass(frozen=True)
class LineInMix:
    line: int
    level_dbfs: float  # RMS of the line's part of the mix, over its clip's length
    over_rest_db: float  # the line against everything else in its window (best of mid, left, right)
    clipped_samples: int
    cut_s: float  # seconds of the line past the film's end

    @property
    def audible(self) -> bool:
        return self.level_dbfs > SILENCE_DBFS and self.over_rest_db >= AUDIBLE_OVER_REST_DB

    @property
    def whole(self) -> bool:
        return self.clipped_samples == 0 and self.cut_s <= 0

    def problem(self) -> str | None:
        what = []
        if not self.audible:
            what.append(f"{self.over_rest_db:+.1f} dB over the rest at {self.level_dbfs:.1f} dBFS")
        if self.clipped_samples:
            what.append(f"{self.clipped_samples} samples at full scale")
        if self.cut_s > 0:
            what.append(f"{self.cut_s:.2f} s cut off by the film's end")
        return f"line {self.line}: {', '.join(what)}" if what else None


def _db(ratio: float) -> float:
    return float(np.clip(10 * np.log10(max(ratio, 1e-12)), -RATIO_CAP_DB, RATIO_CAP_DB))


def measure_line(mix: np.ndarray, sample_rate: int, line: int, start_s: float, clip: np.ndarray) -> LineInMix:
    """One line placed at start_s in a stereo mix (n, 2); its clip is mono (m,) at the same rate."""
    start = int(round(start_s * sample_rate))
    end = min(start + len(clip), len(mix))
    window = mix[start:end].astype(np.float64)
    part = clip[: max(end - start, 0)].astype(np.float64)
    clip_energy = float(np.dot(part, part))
    best_ratio, level = -RATIO_CAP_DB, -2 * RATIO_CAP_DB
    if clip_energy > 0:
        for channel in (window.mean(axis=1), window[:, 0], window[:, -1]):
            gain = float(np.dot(channel, part)) / clip_energy
            speech = gain * gain * clip_energy
            rest = float(np.dot(channel - gain * part, channel - gain * part))
            ratio = _db(speech / rest) if rest > 0 else RATIO_CAP_DB
            if ratio > best_ratio:
                best_ratio, level = ratio, _db(speech / len(part))
    return LineInMix(
        line,
        round(level, 2),
        round(best_ratio, 2),
        int(np.count_nonzero(np.abs(window) >= FULL_SCALE)),
        round((len(clip) - len(part)) / sample_rate, 3),
    )
