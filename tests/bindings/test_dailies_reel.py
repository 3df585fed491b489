"""The dailies reel is encoded with real ffmpeg: exactly the takes' frames plus the slates', each
take under its burn-in, which changes the band and leaves the rest of the picture as it was."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from film_assets.bindings.dailies_reel import (
    SlateItem,
    TakeItem,
    build_reel,
    clip_format,
    frames_at,
    reel_size,
)
from film_assets.bindings.ffmpeg import ffmpeg_exe
from film_assets.domain.storyboard.slate import BurnIn, burn_in_band, burn_in_image, slate_image
from tests.support.media_probe import probe

W, H, FPS = 160, 90, 12
SOURCES = {  # name: (lavfi source, frames)
    "bars": ("testsrc", 6),
    "grey": ("color=c=0xd0d0d0", 5),
    "swirl": ("testsrc2", 8),
}


def make_take(folder: Path, name: str, source: str, frames: int, size=(W, H), fps=FPS) -> Path:
    clip = folder / f"{name}.mp4"
    options = f"size={size[0]}x{size[1]}:rate={fps}"
    source = f"{source}:{options}" if "=" in source else f"{source}={options}"
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i", source]
        + ["-frames:v", str(frames), "-pix_fmt", "yuv420p", "-c:v", "libx264", str(clip)],
        check=True,
    )
    return clip


def frames_of(path: Path) -> list[np.ndarray]:
    """Every frame, decoded (not counted from the container's say-so)."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(video=0)]


@pytest.fixture(scope="module")
def takes(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("takes")
    return {name: make_take(folder, name, source, frames) for name, (source, frames) in SOURCES.items()}


@pytest.fixture(scope="module")
def cards(tmp_path_factory, takes) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cards")
    paths = {}
    for scene, heading in (("SQ010", "EXT. SKERRY POINT - DUSK"), ("SQ020", "INT. LAMP ROOM - NIGHT")):
        paths[scene] = folder / f"{scene}.png"
        slate_image(W, H, "The Last Keeper", scene, heading, 2, "2026-12-07").save(paths[scene])
    for index, name in enumerate(takes):
        burn = BurnIn(f"SQ010_SH{index + 1}0", "v001", "new", "storyboard 1", 7, "2026-12-07 04:51 UTC", "pending")
        paths[name] = folder / f"{name}_burn.png"
        burn_in_image(W, H, burn).save(paths[name])
    return paths


def test_reel_has_exactly_the_takes_frames_plus_the_slates(takes, cards, tmp_path):
    items = [
        SlateItem(cards["SQ010"], 4),
        TakeItem(takes["bars"], cards["bars"], clip_format(takes["bars"]).frames),
        TakeItem(takes["grey"], cards["grey"], clip_format(takes["grey"]).frames),
        SlateItem(cards["SQ020"], 3),
        TakeItem(takes["swirl"], cards["swirl"], clip_format(takes["swirl"]).frames),
    ]
    reel = tmp_path / "dailies.mp4"
    returned = build_reel(items, reel, W, H, FPS)
    expected = sum(frames for _, frames in SOURCES.values()) + 4 + 3
    assert returned == expected == 26
    assert len(frames_of(reel)) == expected
    info = probe(reel)
    assert (info["video_codec"], info["pix_fmt"], info["width"], info["height"], info["fps"]) == (
        "h264",
        "yuv420p",
        W,
        H,
        FPS,
    )
    assert info.get("audio_codec") is None, "the reel is silent: the sound belongs to the cut"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dailies.mp4"], "no partial file is left beside it"


def test_burn_in_changes_its_band_and_leaves_the_picture(takes, cards, tmp_path):
    reel = tmp_path / "dailies.mp4"
    build_reel([SlateItem(cards["SQ010"], 2), TakeItem(takes["grey"], cards["grey"], 5)], reel, W, H, FPS)
    in_reel, bare = frames_of(reel)[2], frames_of(takes["grey"])[0]
    top, bottom = burn_in_band(W, H)
    band_change = np.abs(in_reel[top:bottom] - bare[top:bottom]).mean()
    picture_change = np.abs(in_reel[: top - 2] - bare[: top - 2]).mean()
    assert band_change > 40, f"the burn-in band differs from the bare take by {band_change:.1f} on average"
    assert picture_change < 3, f"outside the band the take is as it was (off by {picture_change:.1f})"


def test_a_take_asked_for_more_frames_than_its_clip_holds_its_last_frame(takes, cards, tmp_path):
    reel = tmp_path / "held.mp4"
    assert build_reel([TakeItem(takes["bars"], cards["bars"], 9)], reel, W, H, FPS) == 9
    frames = frames_of(reel)
    assert len(frames) == 9
    assert np.abs(frames[-1] - frames[5]).mean() < 2


def test_takes_of_another_size_and_rate_fit_the_reel(cards, tmp_path):
    clip = make_take(tmp_path, "square", "testsrc", 10, size=(64, 64), fps=24)
    shape = clip_format(clip)
    assert (shape.width, shape.height, shape.fps, shape.frames) == (64, 64, Fraction(24), 10)
    frames = frames_at(shape, Fraction(FPS))
    assert frames == 5  # the same half second at 12 fps
    reel = tmp_path / "mixed.mp4"
    assert build_reel([TakeItem(clip, cards["bars"], frames), SlateItem(cards["SQ010"], 2)], reel, W, H, FPS) == 7
    first = frames_of(reel)[0]
    assert first.shape == (H, W, 3)
    assert first[: H // 3, :10].mean() < 30, "a square take is pillarboxed in black"


def test_reel_size_is_the_takes_capped_at_1280_wide_in_even_numbers():
    assert reel_size(160, 90) == (160, 90)
    assert reel_size(1920, 1080) == (1280, 720)
    assert reel_size(2048, 858) == (1280, 536)
    assert all(n % 2 == 0 for n in reel_size(1999, 1001))


def test_an_empty_reel_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least one"):
        build_reel([], tmp_path / "none.mp4", W, H, FPS)
