"""Diffusion benchmark: the same images rendered one at a time and batched, timed in one run.

    .venv/bin/python bench/diffusion_bench.py [--images 12 --steps 4 --size 64 --device cpu]

Builds the tiny random Stable Diffusion pipeline from gpu_ops/tiny/text_to_image.py in a temp folder
(offline, a few MB), loads it through gpu_ops like a render does, warms up, then renders N images
with batch_size=1, 4 and N. Prints the device and dtype, images/second for each batch size and
the batched/sequential speed ratio. The tiny model measures our batching overhead and per-call
costs, not a real model's throughput: on a GPU with a real model the gain from batching is larger.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download: the model is built locally

import numpy as np  # noqa: E402
import torch  # noqa: E402


def timed(render, batch_size: int) -> tuple[float, list]:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    images = render(batch_size)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=12)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: fastest)")
    parser.add_argument("--precision", default="auto")
    args = parser.parse_args()

    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    from gpu_ops.device import pick_device, pick_dtype
    from gpu_ops.pipelines import load_text_to_image
    from gpu_ops.text_to_image import generate_images
    from gpu_ops.tiny.text_to_image import build_tiny_text_to_image

    diffusers_logging.disable_progress_bar()  # loading bars would clutter the table
    transformers_logging.disable_progress_bar()
    device = pick_device(args.device)
    dtype = pick_dtype(device, args.precision)
    print(f"device: {device}  dtype: {str(dtype).removeprefix('torch.')}  torch threads: {torch.get_num_threads()}")

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        folder = build_tiny_text_to_image(Path(tmp) / "tiny-sd")
        pipe = load_text_to_image(str(folder), device=device, dtype=dtype)
        print(f"imported, built and loaded the tiny pipeline in {time.perf_counter() - started:.2f} s")

        prompts = [f"shot {i}: a rainy street at night, neon signs" for i in range(args.images)]
        seeds = list(range(1000, 1000 + args.images))

        def render(batch_size: int, count: int = args.images):
            return generate_images(
                pipe,
                prompts[:count],
                seeds[:count],
                negative_prompt="blurry",
                steps=args.steps,
                guidance=7.5,
                width=args.size,
                height=args.size,
                batch_size=batch_size,
                device=device,
            )

        # Warm-up: first calls pay for kernel selection, allocator growth and lazy imports.
        render(1, count=1)
        render(min(4, args.images), count=min(4, args.images))

        sizes = sorted({1, min(4, args.images), args.images})
        results = {size: timed(render, size) for size in sizes}

    print(f"\n{args.images} images of {args.size}x{args.size}, {args.steps} steps, guidance 7.5")
    print(f"{'batch_size':>10}  {'seconds':>8}  {'images/s':>9}  {'vs batch 1':>10}")
    base_seconds = results[1][0]
    for size, (seconds, _) in results.items():
        print(f"{size:>10}  {seconds:8.3f}  {args.images / seconds:9.2f}  {base_seconds / seconds:9.2f}x")
    reference = results[1][1]
    worst = max(
        int(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).max())
        for _, images in results.values()
        for a, b in zip(images, reference)
    )
    print(f"largest pixel difference between batch sizes: {worst} (same seeds, same images)")


if __name__ == "__main__":
    main()
