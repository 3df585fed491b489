"""gpu_ops on a real (tiny, random) Stable Diffusion pipeline built offline and loaded from disk."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from gpu_ops.device import pick_device, pick_dtype  # noqa: E402
from gpu_ops.errors import ModelLoadError, ModelOutOfMemory  # noqa: E402
from gpu_ops.pipelines import clear_pipeline_cache, load_text_to_image, model_identity  # noqa: E402
from gpu_ops.text_to_image import generate_images  # noqa: E402
from gpu_ops.tiny.text_to_image import build_tiny_text_to_image  # noqa: E402
from tests.conftest import REPO  # noqa: E402

pytestmark = pytest.mark.gpu

FAST = dict(negative_prompt=None, steps=2, guidance=5.0, width=64, height=64)


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        folder = build_tiny_text_to_image(tmp_path_factory.mktemp("tiny-sd"))
    yield str(folder)
    clear_pipeline_cache()


@pytest.fixture
def device():
    return pick_device()


@pytest.fixture
def pipe(tiny_model, device):
    return load_text_to_image(tiny_model, device=device, dtype=pick_dtype(device))


def render(pipe, device, prompts, seeds, batch_size=1, **overrides):
    settings = {**FAST, **overrides}
    return generate_images(pipe, prompts, seeds, batch_size=batch_size, device=device, **settings)


def max_pixel_diff(a, b) -> int:
    return int(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).max())


class OutOfMemoryAboveNPrompts:
    """Test double standing in for a GPU that runs out of memory: a real OOM can't be produced on
    CPU, so calls with more than `max_prompts` prompts raise torch.OutOfMemoryError and the rest
    go to the real pipeline. Records each call's batch size."""

    def __init__(self, real_pipe, max_prompts: int):
        self.real_pipe, self.max_prompts, self.calls = real_pipe, max_prompts, []

    @property
    def name_or_path(self):
        return self.real_pipe.name_or_path

    def __call__(self, **kwargs):
        self.calls.append(len(kwargs["prompt"]))
        if len(kwargs["prompt"]) > self.max_prompts:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (simulated)")
        return self.real_pipe(**kwargs)


def test_images_have_the_requested_size(pipe, device):
    square = render(pipe, device, ["a lighthouse"], [1])
    wide = render(pipe, device, ["a lighthouse"], [1], width=96, height=64)
    assert [image.size for image in square + wide] == [(64, 64), (96, 64)]
    assert square[0].mode == "RGB"


def test_batch_equals_one_at_a_time(pipe, device):
    prompts, seeds = ["a red door", "a quiet street at night", "rain"], [11, 12, 13]
    batched = render(pipe, device, prompts, seeds, batch_size=3)
    single = render(pipe, device, prompts, seeds, batch_size=1)
    assert len(batched) == len(single) == 3
    for a, b in zip(batched, single):
        assert max_pixel_diff(a, b) <= 1


def test_same_seed_same_image_and_different_seed_differs(pipe, device):
    first, again, other = render(pipe, device, ["a cat"] * 3, [7, 7, 8], batch_size=3)
    # One 8-bit level at most, as between batched and single renders above: on some CPUs the
    # batched kernels round one row of a batch differently in the last float bit.
    assert max_pixel_diff(first, again) <= 1
    assert max_pixel_diff(first, other) > 10


def test_progress_is_reported_per_batch(pipe, device):
    progress = []
    images = render(
        pipe,
        device,
        ["a", "b", "c"],
        [1, 2, 3],
        batch_size=2,
        on_batch=lambda done, total: progress.append((done, total)),
    )
    assert len(images) == 3 and progress == [(2, 3), (3, 3)]


def test_pipeline_is_loaded_once_per_process(pipe, tiny_model, device):
    again = load_text_to_image(tiny_model, device=device, dtype=pick_dtype(device))
    assert again is pipe
    via_other_spelling = load_text_to_image(tiny_model + "/.", device=device, dtype=pick_dtype(device))
    assert via_other_spelling is pipe


def test_cpu_gets_fp32_and_sdpa_attention(pipe, device):
    from diffusers.models.attention_processor import AttnProcessor2_0

    assert pick_dtype("cpu") is torch.float32
    assert pick_dtype("cpu", "bf16") is torch.bfloat16 and pick_dtype("cuda", "fp32") is torch.float32
    if device == "cpu":
        assert pipe.unet.dtype is torch.float32 and pipe.device.type == "cpu"
    processors = pipe.unet.attn_processors
    assert processors and all(isinstance(p, AttnProcessor2_0) for p in processors.values())


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_a_missing_device_is_a_clear_error():
    assert pick_device("cpu") == "cpu"
    with pytest.raises(RuntimeError, match="'cuda' was asked for but is not available"):
        pick_device("cuda")


def test_missing_model_path_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "no-such-folder")
    with pytest.raises(ModelLoadError, match="does not exist") as caught:
        load_text_to_image(missing, device="cpu", dtype=torch.float32)
    assert missing in str(caught.value) and "renderer.model" in str(caught.value)


def test_unloadable_hub_id_offline_is_a_clear_error():
    with pytest.raises(ModelLoadError) as caught:
        load_text_to_image("nobody/no-such-model", device="cpu", dtype=torch.float32)
    message = str(caught.value)
    assert "'nobody/no-such-model'" in message and "offline" in message
    assert "renderer.model" in message and "HF_HUB_OFFLINE" in message


def test_out_of_memory_retries_with_a_smaller_batch(pipe, device, tiny_model):
    prompts, seeds = ["a", "b", "c", "d"], [1, 2, 3, 4]
    fits_two = OutOfMemoryAboveNPrompts(pipe, max_prompts=2)
    images = render(fits_two, device, prompts, seeds, batch_size=4)
    assert fits_two.calls == [4, 2, 2]  # halved once, then kept at 2 for the rest
    expected = render(pipe, device, prompts, seeds, batch_size=4)
    assert all(max_pixel_diff(a, b) <= 1 for a, b in zip(images, expected))

    never_fits = OutOfMemoryAboveNPrompts(pipe, max_prompts=0)
    with pytest.raises(ModelOutOfMemory) as caught:
        render(never_fits, device, prompts, seeds, batch_size=4)
    assert never_fits.calls == [4, 2, 1]
    message = str(caught.value)
    assert tiny_model in message and "batch_size" in message and "precision" in message


def test_other_runtime_errors_are_not_retried(pipe, device):
    class Broken(OutOfMemoryAboveNPrompts):
        def __call__(self, **kwargs):
            self.calls.append(len(kwargs["prompt"]))
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    broken = Broken(pipe, max_prompts=0)
    with pytest.raises(RuntimeError, match="shapes"):
        render(broken, device, ["a", "b"], [1, 2], batch_size=2)
    assert broken.calls == [2]


def test_scheduler_can_be_chosen_by_name(tiny_model, device):
    from diffusers import DPMSolverMultistepScheduler

    dtype = pick_dtype(device)
    dpm = load_text_to_image(tiny_model, device=device, dtype=dtype, scheduler="DPMSolverMultistepScheduler")
    assert isinstance(dpm.scheduler, DPMSolverMultistepScheduler)
    assert render(dpm, device, ["a boat"], [3])[0].size == (64, 64)
    with pytest.raises(ModelLoadError, match="EulerDiscreteScheduler") as caught:
        load_text_to_image(tiny_model, device=device, dtype=dtype, scheduler="WarpDriveScheduler")
    assert "'WarpDriveScheduler'" in str(caught.value) and "renderer.scheduler" in str(caught.value)


def test_model_identity_hashes_local_weights(tiny_model, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    original = model_identity(str(copy))
    # same weights in a different folder: same hash
    assert original["weights_sha256"] == model_identity(tiny_model)["weights_sha256"]
    assert original["revision"] is None and len(original["weights_sha256"]) == 64

    weights = copy / "vae" / "diffusion_pytorch_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # one byte of one tensor
    weights.write_bytes(bytes(data))
    assert model_identity(str(copy))["weights_sha256"] != original["weights_sha256"]

    assert model_identity("nobody/some-model") == {"model": "nobody/some-model", "revision": "main"}
    assert model_identity("nobody/some-model", "v2")["revision"] == "v2"


def test_importing_gpu_ops_does_not_import_torch():
    code = "import gpu_ops, gpu_ops.errors, sys; assert 'torch' not in sys.modules, 'torch imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
