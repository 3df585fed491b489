"""Keyframe renderers: one `Renderer` interface, a CPU storyboard renderer by default.

A renderer turns shots into images and says what made each one (renderer, version, seed, prompt,
size), which is what lineage and content-addressed re-renders rely on. The diffusers renderer of
gpu_ops plugs in behind the same interface.
"""

from __future__ import annotations

import hashlib
import json
import time
from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from PIL import Image

from film_assets.domain.shots.breakdown import Shot
from film_assets.domain.storyboard.panel import draw_storyboard, picture_band
from gpu_ops.device import device_name  # torch-free for "cpu": torch loads only to name a GPU
from resources.versioned import MediaMaker, content_key

# The shot fields a keyframe can depend on; timing (durations, start times) never shapes a still.
KEYFRAME_INPUTS = (
    "code",
    "prompt",
    "seed",
    "caption",
    "shot_type",
    "characters",
    "camera_move",
    "scene_heading",
    "int_ext",
    "location",
    "time_of_day",
)


@dataclass(frozen=True)
class RenderedKeyframe:
    code: str
    image: Image.Image
    parameters: dict  # everything that shaped the image, recorded as lineage
    # rows (top, bottom) a camera move may move; the rest (a storyboard's header and caption) stays still
    picture_band: tuple[int, int] | None = None
    # how it went (render time, its "cost" from measured_cost): recorded, but not part of the render key
    measurements: dict | None = None

    @property
    def render_key(self) -> str:
        """Content address of the render: same parameters, same image."""
        return hashlib.sha256(json.dumps(self.parameters, sort_keys=True).encode()).hexdigest()[:16]


def measured_cost(wall_s: float, device: str, model: str, steps: int | None = None, batch_size: int = 1) -> dict:
    """What making one keyframe or clip cost, as its version record keeps it for the cost ledger:
    this shot's share of the wall seconds (a batch's time over its size), on which device, by which
    model, with how many steps."""
    return {
        "wall_s": round(wall_s, 6),  # a small storyboard frame takes a few milliseconds
        "device": device.split(":")[0],
        "device_name": device_name(device),
        "model": model,
        "steps": steps,
        "batch_size": batch_size,
    }


class Renderer(MediaMaker):
    """Draws one keyframe per shot."""

    @abstractmethod
    def render(self, shots: list[Shot], width: int, height: int, project: str) -> Iterator[RenderedKeyframe]:
        """Yield one keyframe per shot, in order, as each finishes (so callers can store and
        report progress shot by shot), each with measurements["cost"] from measured_cost."""

    def shot_key(self, shot: Shot, width: int, height: int) -> str:
        """What the keyframe of `shot` will be made from, known before rendering: a stored
        keyframe with this key is reused instead of rendered again."""
        return content_key(
            self.name,
            self.version,
            self.output_settings(),
            {name: getattr(shot, name) for name in KEYFRAME_INPUTS},
            width,
            height,
        )


class StoryboardRenderer(Renderer):
    """Deterministic storyboard frames drawn on the CPU: heading, shot code, a composition and
    palette from location and time of day, the characters present and the caption."""

    @property
    def name(self) -> str:
        return "storyboard"

    @property
    def version(self) -> str:
        return "1"  # bump when the drawing changes, so stored frames count as stale

    def render(self, shots: list[Shot], width: int, height: int, project: str) -> Iterator[RenderedKeyframe]:
        band = picture_band(width, height)
        for shot in shots:
            spec = asdict(shot)
            spec["characters"] = list(shot.characters)
            parameters = {  # every input draw_storyboard reads: same parameters, same image
                "renderer": self.name,
                "renderer_version": self.version,
                "prompt": shot.prompt,
                "seed": shot.seed,
                "width": width,
                "height": height,
                "caption": shot.caption,
                "shot_type": shot.shot_type,
                "characters": list(shot.characters),
                "camera_move": shot.camera_move,
                "scene_heading": shot.scene_heading,
                "int_ext": shot.int_ext,
                "location": shot.location,
                "time_of_day": shot.time_of_day,
                "code": shot.code,
            }
            began = time.perf_counter()
            image = draw_storyboard(spec, width, height)
            cost = measured_cost(time.perf_counter() - began, "cpu", f"{self.name} v{self.version}")
            yield RenderedKeyframe(shot.code, image, parameters, band, {"cost": cost})
