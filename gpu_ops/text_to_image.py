"""Rendering prompts to images in batches, one seed per image, shrinking the batch on out-of-memory.

Every image gets its own `torch.Generator(device="cpu")` seeded with its own seed, and diffusers
draws that image's starting noise from it alone. Two consequences, both wanted:
- batch-invariance: image k's noise does not depend on which batch it lands in or how big the
  batch is, so batch_size=4 gives the same pictures as one at a time (up to float rounding of
  batched kernels), and halving the batch after an out-of-memory changes nothing visible;
- device-invariance: CUDA, MPS and CPU random streams differ, but a CPU generator draws the same
  numbers everywhere, and diffusers then copies the noise to the device. A seed means the same
  starting noise on a laptop and on a render node (the images still differ by float rounding).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from PIL import Image

from gpu_ops.errors import ModelOutOfMemory


def is_out_of_memory(error: BaseException) -> bool:
    # torch.OutOfMemoryError covers CUDA; MPS and some older paths raise a plain RuntimeError.
    return isinstance(error, torch.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and "out of memory" in str(error).lower()
    )


def _free_device_memory(device: str) -> None:
    kind = torch.device(device).type
    if kind == "cuda" and torch.cuda.is_available():
        torch.cuda.empty_cache()
    elif kind == "mps" and hasattr(torch, "mps"):
        torch.mps.empty_cache()


def model_name(pipe) -> str | None:
    """The hub id or folder the pipeline was loaded from, for error messages."""
    name = getattr(pipe, "name_or_path", None)
    if name is None:
        config = getattr(pipe, "config", None)
        name = getattr(config, "_name_or_path", None) if config is not None else None
    return name


def _render(pipe, prompts, seeds, negative_prompt, steps, guidance, width, height):
    generators = [torch.Generator(device="cpu").manual_seed(int(seed)) for seed in seeds]
    with torch.inference_mode():
        result = pipe(
            prompt=list(prompts),
            negative_prompt=[negative_prompt] * len(prompts) if negative_prompt else None,
            num_inference_steps=steps,
            guidance_scale=guidance,
            width=width,
            height=height,
            generator=generators,
            output_type="pil",
        )
    return list(result.images)


def generate_images(
    pipe,
    prompts: list[str],
    seeds: list[int],
    *,
    negative_prompt: str | None,
    steps: int,
    guidance: float,
    width: int,
    height: int,
    batch_size: int,
    device: str,
    on_batch: Callable[[int, int], None] | None = None,
) -> list[Image.Image]:
    """Render `prompts[i]` with `seeds[i]`, `batch_size` at a time; images come back in prompt order.

    On out-of-memory the device cache is emptied, the batch size halved and the same batch tried
    again; the smaller size is kept for the rest of the run, since the next batch would fail the
    same way. At batch size 1 there is nothing left to shrink and ModelOutOfMemory is raised.
    `on_batch(done, total)` is called after each batch that succeeds.
    """
    if len(prompts) != len(seeds):
        raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds: give one seed per prompt")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    total, size, images = len(prompts), batch_size, []
    while len(images) < total:
        start = len(images)
        stop = min(start + size, total)
        try:
            batch = _render(
                pipe, prompts[start:stop], seeds[start:stop], negative_prompt, steps, guidance, width, height
            )
        except RuntimeError as error:  # torch.OutOfMemoryError is a RuntimeError
            if not is_out_of_memory(error):
                raise
            if size == 1:
                name = model_name(pipe)
                raise ModelOutOfMemory(
                    name,
                    (
                        f"model {name!r} ran out of memory on {device} rendering a single "
                        f"{width}x{height} image: lower renderer.width/renderer.height, "
                        f"use a lower precision (renderer.precision fp16 or bf16), or render on a "
                        f"device with more memory (renderer.batch_size is already 1)"
                    ),
                ) from error
            del error  # the traceback pins the failed batch's tensors; drop it before retrying
            _free_device_memory(device)
            size = max(1, size // 2)
            continue
        images.extend(batch)
        if on_batch is not None:
            on_batch(len(images), total)
    return images
