"""gpu_ops image-to-video and text-to-music on real (tiny, random) models built offline.

Both load through the same cached loader as text-to-image, so these check the same things the
image tests do: shape, seed determinism, one load per process and clear errors. The video tests
come first and the music tests after, so each model is loaded once (the cache holds one model).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from PIL import Image  # noqa: E402

from gpu_ops.errors import ModelLoadError, ModelOutOfMemory  # noqa: E402
from gpu_ops.image_to_video import generate_clip, load_image_to_video  # noqa: E402
from gpu_ops.pipelines import clear_pipeline_cache, model_identity  # noqa: E402
from gpu_ops.text_to_music import generate_music, load_text_to_music, music_steps  # noqa: E402
from gpu_ops.tiny.image_to_video import build_tiny_image_to_video  # noqa: E402
from gpu_ops.tiny.text_to_music import build_tiny_text_to_music  # noqa: E402

pytestmark = pytest.mark.gpu

CPU = dict(device="cpu", dtype=torch.float32)
CLIP = dict(frames=4, fps=6, width=48, height=32, steps=2, decode_chunk_size=4)
SECONDS = 0.5


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        video = build_tiny_image_to_video(tmp_path_factory.mktemp("tiny-svd"))
        music = build_tiny_text_to_music(tmp_path_factory.mktemp("tiny-musicgen"))
    yield {"video": str(video), "music": str(music)}
    clear_pipeline_cache()


@pytest.fixture(scope="module")
def keyframe():
    pixels = np.random.default_rng(0).integers(0, 256, size=(32, 48, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


@pytest.fixture(scope="module")
def clips(models, keyframe):
    """Seed 5 twice and seed 6 once, rendered once for the whole module (the slow part)."""
    pipe = load_image_to_video(models["video"], **CPU)
    return [generate_clip(pipe, keyframe, seed, **CLIP) for seed in (5, 5, 6)]


def max_pixel_diff(a, b) -> int:
    return int(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).max())


# --- image to video ---------------------------------------------------------------------------


def test_clip_has_the_requested_frames_and_size(clips):
    clip = clips[0]
    assert len(clip) == CLIP["frames"]
    assert all(frame.size == (CLIP["width"], CLIP["height"]) and frame.mode == "RGB" for frame in clip)


def test_same_seed_same_clip_and_different_seed_differs(clips):
    first, again, other = clips
    assert max(max_pixel_diff(a, b) for a, b in zip(first, again)) <= 1
    assert max(max_pixel_diff(a, b) for a, b in zip(first, other)) > 10


def test_video_pipeline_is_loaded_once_per_process(models, clips):
    from diffusers import StableVideoDiffusionPipeline

    pipe = load_image_to_video(models["video"], **CPU)
    assert isinstance(pipe, StableVideoDiffusionPipeline)
    assert load_image_to_video(models["video"], **CPU) is pipe
    assert load_image_to_video(models["video"] + "/.", **CPU) is pipe


def test_video_out_of_memory_names_the_settings(models, keyframe):
    class OutOfMemory:
        name_or_path = models["video"]

        def __call__(self, **kwargs):
            raise torch.OutOfMemoryError("CUDA out of memory. (simulated)")

    with pytest.raises(ModelOutOfMemory) as caught:
        generate_clip(OutOfMemory(), keyframe, 1, **CLIP)
    message = str(caught.value)
    assert models["video"] in message and "decode_chunk_size 4" in message
    assert "4-frame" in message and "48x32" in message


def test_missing_video_model_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "no-such-svd")
    with pytest.raises(ModelLoadError, match="does not exist") as caught:
        load_image_to_video(missing, **CPU)
    assert missing in str(caught.value) and "video.model" in str(caught.value)
    with pytest.raises(ModelLoadError, match="offline") as caught:
        load_image_to_video("nobody/no-such-svd", **CPU)
    assert "video.model" in str(caught.value) and "HF_HUB_OFFLINE" in str(caught.value)


# --- text to music ----------------------------------------------------------------------------


@pytest.fixture
def music(models):
    return load_text_to_music(models["music"], **CPU)


def test_music_lasts_the_requested_time(music):
    samples, rate = generate_music(music, "slow sad piano at night", 1, seconds=SECONDS)
    assert rate == music.sampling_rate == 16_000
    assert samples.dtype == np.float32 and samples.ndim == 1 and np.isfinite(samples).all()
    one_frame = rate / music.frame_rate
    assert abs(len(samples) - SECONDS * rate) <= one_frame
    assert music_steps(music, SECONDS) == (25, 28)  # 50 frames/s, 4 codebooks' delay


def test_same_seed_same_music_and_different_seed_differs(music):
    before = torch.get_rng_state()
    first, _ = generate_music(music, "tense strings", 3, seconds=SECONDS)
    again, _ = generate_music(music, "tense strings", 3, seconds=SECONDS)
    other, _ = generate_music(music, "tense strings", 4, seconds=SECONDS)
    assert np.array_equal(first, again)
    assert np.abs(first - other).max() > 1e-4
    assert torch.equal(torch.get_rng_state(), before)  # the caller's random state is untouched


def test_music_model_is_loaded_once_per_process(music, models):
    assert load_text_to_music(models["music"], **CPU) is music
    assert model_identity(models["music"])["weights_sha256"]


def test_missing_or_empty_music_model_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "no-such-musicgen")
    with pytest.raises(ModelLoadError, match="does not exist") as caught:
        load_text_to_music(missing, **CPU)
    assert missing in str(caught.value) and "composer.model" in str(caught.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match="could not be loaded") as caught:
        load_text_to_music(str(empty), **CPU)
    assert "config.json" in str(caught.value) and "composer.model" in str(caught.value)
