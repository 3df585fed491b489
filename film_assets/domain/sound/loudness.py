"""Loudness for delivery: integrated loudness (ITU-R BS.1770 via pyloudnorm), true peak, and
normalisation to a target with a true-peak ceiling.

True peak is measured on a 4x oversampled signal (BS.1770 Annex 2): the sample peak misses the
inter-sample peaks a DAC or an AAC decoder produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

# pyloudnorm, scipy.signal and scipy.ndimage cost ~0.7 s to import (scipy.signal pulls in
# scipy.stats): they load where used, so the processes that never measure audio (the API, sensor
# ticks, a run worker before its audio steps, a re-render that changes no sound) start that much
# faster.

OVERSAMPLE = 4


# The interpolation filter of BS.1770-4 Annex 2's size: 48 taps, 12 per phase of the 4x
# oversampling (float32, so a film's worth of samples interpolates in a fraction of a second).
@cache
def interpolator() -> np.ndarray:
    from scipy.signal import firwin

    return (firwin(48, 1 / OVERSAMPLE, window=("kaiser", 7.0)) * OVERSAMPLE).astype(np.float32)


LIMITER_WINDOW_S = 0.004  # look-ahead and smoothing of the peak limiter


@dataclass(frozen=True)
class LoudnessReport:
    integrated_lufs: float
    true_peak_dbtp: float
    gain_db: float
    limited_db: float  # deepest gain reduction the limiter applied (0 when it did nothing)


BLOCK_S, BLOCK_STEP = 0.400, 0.25  # BS.1770-4 gating blocks: 400 ms, overlapping by 75%
ABSOLUTE_GATE_LUFS, RELATIVE_GATE_LU = -70.0, -10.0
CHANNEL_GAINS = (1.0, 1.0, 1.0, 1.41, 1.41)  # L, R, C, Ls, Rs


@cache
def _k_weighting_sos(sample_rate: int) -> np.ndarray:
    """pyloudnorm's own K-weighting stages (high shelf, then high pass) as one second-order-section
    cascade, so scipy filters both stages in a single pass (under half the time of one lfilter per
    stage, and equal to it within 1e-12)."""
    import pyloudnorm

    sections = []
    for stage in pyloudnorm.Meter(sample_rate)._filters.values():
        b, a = np.asarray(stage.b, dtype=np.float64), np.asarray(stage.a, dtype=np.float64)
        sections.append(np.concatenate([np.pad(b, (0, 3 - len(b))), np.pad(a, (0, 3 - len(a)))]) / a[0])
    return np.array(sections)


def k_weighted(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The signal through BS.1770's K-weighting (pyloudnorm's filters), channel-major:
    (channels, samples), so every later pass over a channel reads contiguous memory."""
    from scipy.signal import sosfilt

    # sosfilt copies its input into a C-ordered float64 array it filters in place: handed the
    # transposed view, that one copy is already channel-major (a copy of our own first cost a
    # film's worth of page faults more, for the same result)
    frames = np.asarray(samples).reshape(len(samples), -1)
    return sosfilt(_k_weighting_sos(sample_rate), frames.T, axis=1)


def block_energies(weighted: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean square of each BS.1770-4 gating block (400 ms, 75% overlap) of a K-weighted signal
    (k_weighted's layout), per channel: (blocks, channels); empty when the signal is too short."""
    count, channels = weighted.shape[1], weighted.shape[0]
    blocks = int(np.round((count / sample_rate - BLOCK_S) / (BLOCK_S * BLOCK_STEP))) + 1
    if count < BLOCK_S * sample_rate or blocks < 1:
        return np.zeros((0, channels))
    starts, ends = _block_bounds(blocks, sample_rate, count)
    span = round(1 / BLOCK_STEP)  # hops per block
    hop = int(starts[1]) if blocks > 1 else int(ends[0]) // span
    if not (
        np.array_equal(starts, np.arange(blocks) * hop) and np.array_equal(ends, np.minimum(starts + span * hop, count))
    ):
        # a rate whose 100 ms is no whole number of samples: block by block
        return np.array([np.einsum("cn,cn->c", weighted[:, a:b], weighted[:, a:b]) for a, b in zip(starts, ends)]) / (
            BLOCK_S * sample_rate
        )
    # blocks start every hop and span four of them: sum each hop's squares once (no film-long
    # running sum to allocate), then add four hops up per block
    hops = blocks + span - 1
    whole = min(count // hop, hops)
    per_hop = np.zeros((channels, hops))
    shaped = weighted[:, : whole * hop].reshape(channels, whole, hop)
    per_hop[:, :whole] = np.einsum("chn,chn->ch", shaped, shaped)
    if whole < hops and whole * hop < count:  # the last block runs past the end: a partial hop
        rest = weighted[:, whole * hop : (whole + 1) * hop]
        per_hop[:, whole] = np.einsum("cn,cn->c", rest, rest)
    running = np.concatenate([np.zeros((channels, 1)), np.cumsum(per_hop, axis=1)], axis=1)
    return ((running[:, span : blocks + span] - running[:, :blocks]) / (BLOCK_S * sample_rate)).T


def _block_bounds(blocks: int, sample_rate: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """pyloudnorm's block bounds, with its very float arithmetic (so both meters cut alike)."""
    index = np.arange(blocks)
    starts = (BLOCK_S * (index * BLOCK_STEP) * sample_rate).astype(np.int64)
    ends = (BLOCK_S * (index * BLOCK_STEP + 1) * sample_rate).astype(np.int64)
    return starts, np.minimum(ends, count)


def loudness_of_blocks(z: np.ndarray) -> float:
    """BS.1770-4 integrated loudness from block energies: pyloudnorm's gating, block for block.
    Written out here, rather than calling pyloudnorm's meter, so the normaliser can filter a mix
    once and then measure each trial gain on the block energies alone; tests hold the two meters
    to the same result."""
    if not len(z):
        return float("-inf")
    gains = np.array(CHANNEL_GAINS[: z.shape[1]])
    with np.errstate(divide="ignore"):
        block_loudness = -0.691 + 10 * np.log10(z @ gains)
        above_absolute = block_loudness >= ABSOLUTE_GATE_LUFS
        if not above_absolute.any():
            return float("-inf")
        relative = -0.691 + 10 * np.log10(z[above_absolute].mean(axis=0) @ gains) + RELATIVE_GATE_LU
        gated = (block_loudness > relative) & above_absolute
        if not gated.any():
            return float("-inf")
        return float(-0.691 + 10 * np.log10(z[gated].mean(axis=0) @ gains))


def gated_loudness(weighted: np.ndarray, sample_rate: int) -> float:
    """BS.1770-4 integrated loudness of a K-weighted signal (k_weighted's layout)."""
    return loudness_of_blocks(block_energies(weighted, sample_rate))


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    return gated_loudness(k_weighted(samples, sample_rate), sample_rate)


def oversampled_peaks(samples: np.ndarray) -> np.ndarray:
    """Per original sample, the largest absolute value among its oversampled neighbours (all
    channels)."""
    from scipy.ndimage import convolve1d

    stereo = np.asarray(samples, dtype=np.float32).reshape(len(samples), -1)
    peaks = np.zeros(len(stereo), dtype=np.float32)
    taps = len(interpolator()) // OVERSAMPLE
    for channel in stereo.T:
        channel = np.ascontiguousarray(channel)
        # the 4x interpolation as its polyphase form: phase p of the oversampled signal is the input
        # through every 4th tap from p (what scipy's upfirdn computes, in half its time and without
        # the 4x-long intermediate); origin makes each filter causal, as upfirdn's is
        for phase in range(OVERSAMPLE):
            interpolated = convolve1d(
                channel, interpolator()[phase::OVERSAMPLE], mode="constant", cval=0.0, origin=-(taps // 2)
            )
            np.abs(interpolated, out=interpolated)
            np.maximum(peaks, interpolated, out=peaks)
    return peaks


def true_peak_dbtp(samples: np.ndarray) -> float:
    return _db(float(oversampled_peaks(samples).max()) if len(samples) else 0.0)


def limiter_gain(peaks: np.ndarray, ceiling: float, sample_rate: int) -> np.ndarray:
    """A gain envelope that keeps every peak at or under the ceiling, ramping instead of stepping.

    Hand-written because pyloudnorm only measures and scales, and ffmpeg's loudnorm switches the
    whole programme to dynamic mode when the peak constraint bites; this touches only the few
    peaks above the ceiling."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12)).astype(np.float32)
    if needed.min() >= 1.0:
        return needed
    window = max(int(LIMITER_WINDOW_S * sample_rate), 1)
    gain = np.ones_like(needed)
    # a minimum over twice the window, then an average over one: still at or below what every
    # peak needs, but a ramp (no clicks). Away from the peaks both filters give 1: they run only
    # near them (a normaliser round filtered the whole film several times over)
    reach = window + window // 2 + 2
    for start, end in _regions(needed < 1.0, reach, reach):
        context = slice(max(start - reach, 0), min(end + reach, len(needed)))
        ramp = uniform_filter1d(minimum_filter1d(needed[context], size=2 * window + 1), size=window + 1)
        gain[start:end] = ramp[start - context.start : end - context.start]
    return np.minimum(gain, needed)


def _regions(mask: np.ndarray, before: int, after: int) -> list[tuple[int, int]]:
    """The [start, end) stretches of the mask's true samples, each widened by before and after
    samples, overlapping ones merged."""
    where = np.flatnonzero(mask)
    if not len(where):
        return []
    breaks = np.flatnonzero(np.diff(where) > before + after) + 1
    firsts, lasts = where[np.r_[0, breaks]], where[np.r_[breaks - 1, len(where) - 1]]
    return [(max(int(first) - before, 0), min(int(last) + 1 + after, len(mask))) for first, last in zip(firsts, lasts)]


def _limited_true_peak(out: np.ndarray, peaks: np.ndarray, envelope: np.ndarray, scale: float) -> float:
    """The true peak of out, the source x scale x envelope, given the source's oversampled peaks:
    where the envelope is 1 over the interpolator's reach, that is the source's peak scaled; only
    near limited samples is the output interpolated again (a tenth of a heavily limited film)."""
    reach = len(interpolator()) // OVERSAMPLE  # an oversampled value depends on the last 12 samples
    loudest = 0.0
    free = np.ones(len(out), dtype=bool)
    for start, end in _regions(envelope < 1.0, 0, reach - 1):
        context = max(start - reach, 0)
        loudest = max(loudest, float(oversampled_peaks(out[context:end])[start - context :].max()))
        free[start:end] = False
    return _db(max(loudest, float(peaks.max(where=free, initial=0.0)) * scale))


def _limiter_correction(
    weighted: np.ndarray, envelope: np.ndarray, starts: np.ndarray, ends: np.ndarray, sample_rate: int
) -> np.ndarray | float:
    """What the limiter's envelope takes off each block's energy, (blocks, channels): only the
    samples it touches are visited (a tenth of a heavily limited film), not the whole signal."""
    touched = np.flatnonzero(envelope < 1.0)
    if not len(touched):
        return 0.0
    delta = np.square(weighted[:, touched]) * (np.square(envelope[touched].astype(np.float64)) - 1.0)
    running = np.concatenate([np.zeros((len(weighted), 1)), np.cumsum(delta, axis=1)], axis=1)
    first, last = np.searchsorted(touched, starts), np.searchsorted(touched, ends)
    return ((running[:, last] - running[:, first]) / (BLOCK_S * sample_rate)).T


def normalize_loudness(
    samples: np.ndarray, sample_rate: int, target_lufs: float, ceiling_dbtp: float
) -> tuple[np.ndarray, LoudnessReport]:
    """Gain to the target loudness with true peaks limited to the ceiling.

    Gain is linear, so the signal's oversampled peaks and its K-weighted block energies are
    computed once and every round only rescales them: each round picks a gain, derives the
    limiter's envelope and measures the loudness again (limiting lowers it) from the block energies
    plus what the envelope takes off the samples it touches; a secant step settles in two to five
    rounds. A round weights the envelope after the filter, not before: it differs only within
    a few ms of a limited peak, and the reported loudness is measured on the result itself."""
    source = np.asarray(samples, dtype=np.float32)
    peaks = oversampled_peaks(source)
    weighted = k_weighted(source, sample_rate)
    z = block_energies(weighted, sample_rate)
    starts, ends = _block_bounds(len(z), sample_rate, weighted.shape[1])
    ceiling = 10 ** (ceiling_dbtp / 20)

    gain_db, envelope = 0.0, np.ones(len(source), dtype=np.float32)
    loudness = loudness_of_blocks(z)
    previous = None  # (gain, loudness) of the round before, for the secant step
    for _ in range(8):
        if not np.isfinite(loudness) or abs(loudness - target_lufs) < 0.1:
            break  # silence has nothing to normalise
        # loudness rises less than 1 dB per dB of gain once the limiter works: step by the
        # measured slope (secant), starting from a plain 1:1 step
        slope = 1.0 if previous is None else (loudness - previous[1]) / (gain_db - previous[0] or 1e-9)
        previous = (gain_db, loudness)
        gain_db += (target_lufs - loudness) / min(max(slope, 0.2), 1.0)
        scale = 10 ** (gain_db / 20)
        envelope = limiter_gain(peaks * np.float32(scale), ceiling, sample_rate)
        loudness = loudness_of_blocks(
            scale**2 * (z + _limiter_correction(weighted, envelope, starts, ends, sample_rate))
        )
    gains = envelope * np.float32(10 ** (gain_db / 20))
    out = (source * (gains[:, None] if source.ndim == 2 else gains)).astype(np.float32)
    peak_db = _limited_true_peak(out, peaks, envelope, 10 ** (gain_db / 20))
    if peak_db > ceiling_dbtp:  # the envelope is applied to samples, peaks sit between them
        out = out * np.float32(10 ** ((ceiling_dbtp - peak_db) / 20))
        peak_db = ceiling_dbtp
    report = LoudnessReport(
        integrated_loudness(out, sample_rate),
        peak_db,
        round(gain_db, 2),
        round(float(20 * np.log10(max(envelope.min(), 1e-12))), 2),
    )
    return out.astype(np.float32), report


def _db(amplitude: float) -> float:
    return float(20 * np.log10(amplitude)) if amplitude > 0 else float("-inf")
