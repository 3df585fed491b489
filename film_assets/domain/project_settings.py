"""A project's delivery settings, chosen at submission and kept with the screenplay."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from film_assets.domain.frame_rate import frame_rate
from film_assets.domain.video import VideoSettings


@dataclass(frozen=True)
class ProjectSettings:
    width: int = 1280
    height: int = 720
    fps: float = 24.0

    def __post_init__(self) -> None:
        VideoSettings(self.width, self.height, frame_rate(self.fps))  # raises with a clear message

    @property
    def video(self) -> VideoSettings:
        return VideoSettings(self.width, self.height, frame_rate(self.fps))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ProjectSettings":
        return cls(width=int(data["width"]), height=int(data["height"]), fps=float(data["fps"]))
