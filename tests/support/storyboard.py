"""Shared parts of the storyboard tests: a shot as the renderer takes it, and views of a frame."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from film_assets.domain.storyboard.panel import picture_band

W, H = 640, 360  # small frames keep the suite fast
TOP, BOTTOM = picture_band(W, H)  # header bar above, caption box below


def make_shot(**overrides: object) -> dict[str, object]:
    shot: dict[str, object] = {
        "code": "SQ010_SH020",
        "scene_heading": "EXT. MAIN STREET - DAY",
        "int_ext": "EXT",
        "location": "MAIN STREET",
        "time_of_day": "DAY",
        "shot_type": "action",
        "characters": [],
        "caption": "Marta crosses the street.",
        "seed": 1234,
        "camera_move": "push_in",
    }
    shot.update(overrides)
    return shot


def pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.float64)


def scene(img: Image.Image) -> np.ndarray:
    """The moving picture between the header bar and the caption box."""
    top, bottom = picture_band(*img.size)
    return pixels(img)[top:bottom]


def sky(img: Image.Image) -> np.ndarray:
    """Upper-left part of the scene (clear of the sun / moon)."""
    w, h = img.size
    return pixels(img)[int(h * 0.1) : int(h * 0.3), int(w * 0.05) : int(w * 0.6)]


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
