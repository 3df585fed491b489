"""A project's delivery settings, chosen at submission and kept with the screenplay."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from film_assets.domain.video.encoding import VideoSettings
from film_assets.domain.video.frame_rate import frame_rate

LOUDNESS_TARGETS = {"web": -14.0, "broadcast": -23.0}  # EBU R128 broadcast, streaming platforms' web


@dataclass(frozen=True)
class ProjectSettings:
    width: int = 1280
    height: int = 720
    fps: float = 24.0
    loudness_lufs: float = LOUDNESS_TARGETS["web"]
    true_peak_dbtp: float = -1.0
    voices: dict[str, str] = field(default_factory=dict)  # character -> voice id, overriding the casting

    def __post_init__(self) -> None:
        VideoSettings(self.width, self.height, frame_rate(self.fps))  # raises with a clear message
        if not -40.0 <= self.loudness_lufs <= -5.0:
            raise ValueError(
                f"loudness target {self.loudness_lufs} LUFS is out of range: use -40 to -5 "
                "(-14 for web, -23 for broadcast)"
            )
        if not -9.0 <= self.true_peak_dbtp <= 0.0:
            raise ValueError(f"true-peak ceiling {self.true_peak_dbtp} dBTP is out of range: use -9 to 0")

    @property
    def video(self) -> VideoSettings:
        return VideoSettings(self.width, self.height, frame_rate(self.fps))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ProjectSettings:
        defaults = cls()
        return cls(
            width=int(data["width"]),
            height=int(data["height"]),
            fps=float(data["fps"]),
            loudness_lufs=float(data.get("loudness_lufs", defaults.loudness_lufs)),
            true_peak_dbtp=float(data.get("true_peak_dbtp", defaults.true_peak_dbtp)),
            voices=dict(data.get("voices", {})),
        )
