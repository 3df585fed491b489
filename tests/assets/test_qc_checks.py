"""The production QC checks judge real stored media: a blank keyframe and a wrongly sized one are
named and fail the blocking check; a clip two frames short fails its length check."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from film_assets.assets.qc_checks import clips_as_long_as_their_shots, keyframes_sized_and_not_blank
from film_assets.bindings.ffmpeg import encode_shot_clip
from film_assets.domain.screenplay.fountain import parse_fountain
from film_assets.domain.shots.breakdown import break_down_shots
from film_assets.domain.video.encoding import VideoSettings
from resources.media_store import LocalMediaStore
from tests.conftest import EXAMPLES

PROJECT = "qc-test"
SIZE = (96, 64)


@pytest.fixture
def shots():
    screenplay = parse_fountain((EXAMPLES / "lighthouse.fountain").read_text(), "lighthouse.fountain")
    return break_down_shots(screenplay, PROJECT, 8, *SIZE)[:4]


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_blank_and_a_wrongly_sized_keyframe_fail_the_blocking_check(tmp_path, shots):
    store = LocalMediaStore(root=str(tmp_path))
    rng = np.random.default_rng(3)
    drawn = Image.fromarray(rng.integers(0, 255, (SIZE[1], SIZE[0]), dtype=np.uint8))
    images = {
        shots[0].code: drawn,
        shots[1].code: Image.new("L", SIZE, 0),  # all black
        shots[2].code: drawn.resize((64, 64)),  # the wrong frame size
        shots[3].code: drawn,
    }
    keyframes = {
        code: {"key": store.put_bytes(f"projects/{PROJECT}/keyframes/{code}.png", _png(image)), "picture_band": None}
        for code, image in images.items()
    }
    result = keyframes_sized_and_not_blank(shots, keyframes, store)
    assert not result.passed
    problems = result.metadata["problems"].value
    assert f"{shots[1].code}: blank" in problems and f"{shots[2].code}: 64x64, not 96x64" in problems
    assert shots[0].code not in problems and shots[3].code not in problems
    assert result.metadata["flattest_keyframe"].value.startswith(shots[1].code)


def test_a_clip_two_frames_short_fails_its_length_check(tmp_path, shots):
    store = LocalMediaStore(root=str(tmp_path))
    keyframe = tmp_path / "keyframe.png"
    Image.new("RGB", SIZE, (90, 120, 150)).save(keyframe)
    clips = {}
    for index, shot in enumerate(shots[:2]):
        frames = shot.duration_frames - (2 if index == 1 else 0)
        with store.writing(f"projects/{PROJECT}/shot_clips/{shot.code}.mp4") as output:
            encode_shot_clip(keyframe, "push_in", frames, output, VideoSettings(SIZE[0], SIZE[1], 8))
        clips[shot.code] = {"key": f"projects/{PROJECT}/shot_clips/{shot.code}.mp4"}
    result = clips_as_long_as_their_shots(shots[:2], clips, store)
    assert not result.passed
    assert result.metadata["problems"].value.startswith(f"{shots[1].code}: {shots[1].duration_frames - 2} frames")
    assert result.metadata["largest_difference_shot"].value == shots[1].code
    assert result.metadata["largest_difference_ms"].value == 250.0  # two frames at 8 fps
