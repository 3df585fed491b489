"""Audio conventions shared by voice, music and mix: one sample rate, float32 samples in [-1, 1],
WAV files (32-bit float) through scipy.

scipy.io loads where a WAV is read or written (~0.2 s, most of it scipy.io's MATLAB readers):
the definitions import this module, and a run that changes no sound never touches a WAV."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

SAMPLE_RATE = 48_000  # delivery rate: everything is produced or resampled to it


def to_float32(samples: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(samples, dtype=np.float32)


def wav_bytes(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    from scipy.io import wavfile

    buffer = io.BytesIO()
    wavfile.write(buffer, sample_rate, to_float32(samples))
    return buffer.getvalue()


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    from scipy.io import wavfile

    wavfile.write(str(path), sample_rate, to_float32(samples))


def read_wav(source: Path | bytes) -> np.ndarray:
    """Samples as float32 at SAMPLE_RATE (mono (n,) or stereo (n, 2)); refuses other rates."""
    from scipy.io import wavfile

    rate, data = wavfile.read(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    if rate != SAMPLE_RATE:
        raise ValueError(f"expected {SAMPLE_RATE} Hz audio, got {rate} Hz")
    if data.dtype.kind == "i":
        data = data.astype(np.float32) / np.iinfo(data.dtype).max
    return to_float32(data)


def fit_length(samples: np.ndarray, total: int) -> np.ndarray:
    """Trim or pad with silence to exactly total samples (a score rounds per scene; the film
    counts frames)."""
    if len(samples) >= total:
        return samples[:total]
    padding = np.zeros((total - len(samples),) + samples.shape[1:], dtype=samples.dtype)
    return np.concatenate([samples, padding])
