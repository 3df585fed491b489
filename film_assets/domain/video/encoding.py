"""The encoder settings every shot, cut and benchmark shares: frame size and rate, H.264 options
and AAC options. Pure data; bindings/ffmpeg.py runs ffmpeg with them.

Each shot is encoded once as its own H.264 segment with identical settings, so the final cut is a
stream copy of the segments plus the audio: no second encode.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from film_assets.domain.video.frame_rate import frame_rate


@dataclass(frozen=True)
class VideoSettings:
    width: int = 1280
    height: int = 720
    fps: Fraction = Fraction(24)
    crf: int = 20
    preset: str = "veryfast"

    def __post_init__(self) -> None:
        if self.width < 16 or self.height < 16 or self.width % 2 or self.height % 2:
            raise ValueError(f"frame size {self.width}x{self.height} must be even and at least 16x16 (H.264 yuv420p)")
        if not 1 <= float(self.fps) <= 120:
            raise ValueError(f"fps {float(self.fps):g} must be between 1 and 120")
        object.__setattr__(self, "fps", frame_rate(self.fps))

    @property
    def fps_arg(self) -> str:
        return f"{self.fps.numerator}/{self.fps.denominator}"


def h264_args(settings: VideoSettings) -> list[str]:
    """The one set of encoder options every segment and benchmark uses (so segments concatenate)."""
    return [
        "-vf",
        "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
        "-c:v",
        "libx264",
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-preset",
        settings.preset,
        "-crf",
        str(settings.crf),
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
    ]


# ffmpeg's AAC encoder, "fast" coder, in its quality (VBR) mode. On night_shift's mix it encodes
# in 0.4x the time of the constant 192 kb/s mode (whose rate loop codes frames over again), at
# 154 kb/s against 126 and 51 dB SNR against 42; true-peak overshoot stayed under 0.2 dB, inside
# AAC_HEADROOM_DB (bench/audio_bench.py measures both modes side by side)
AAC_ARGS = ["-c:a", "aac", "-aac_coder", "fast", "-q:a", "3", "-ar", "48000", "-ac", "2"]


def is_aac(path: Path) -> bool:
    return Path(path).suffix.lower() in (".m4a", ".aac")
