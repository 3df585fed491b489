"""Image-to-video: a shot's keyframe brought to motion by Stable Video Diffusion, one seeded clip.

`load_image_to_video` goes through the same cached, offline-aware loader as text-to-image
(gpu_ops.pipelines), so it keeps one model per process and fails with the same ModelLoadError
messages. `generate_clip` renders one clip from one image and one seed.

Thinner than the image path on purpose: SVD renders one clip per call (its batch is the frames),
so there is no batch to halve on out-of-memory. Shrinking decode_chunk_size behind the caller's
back would not be neutral either: the temporal decoder sees only the frames of its chunk, so the
clip would change. An out-of-memory is therefore a ModelOutOfMemory naming the settings to lower.

As with images, the starting noise comes from `torch.Generator(device="cpu")` seeded with the
shot's seed, so a seed means the same noise on every device.
"""

from __future__ import annotations

import torch
from PIL import Image

from gpu_ops.errors import ModelOutOfMemory
from gpu_ops.pipelines import diffusers_loader, load_cached, resolve_local
from gpu_ops.text_to_image import is_out_of_memory, model_name

SETTING = "video"  # the configuration block named in error messages: video.model, video.revision


def _prepare(pipe, device: str):
    pipe = pipe.to(device)
    denoiser = getattr(pipe, "unet", None)
    if denoiser is not None and hasattr(denoiser, "set_attn_processor"):
        # As for images: fused scaled-dot-product attention, stated rather than assumed.
        from diffusers.models.attention_processor import AttnProcessor2_0

        denoiser.set_attn_processor(AttnProcessor2_0())
    pipe.set_progress_bar_config(disable=True)
    return pipe


def load_image_to_video(
    model: str, *, revision: str | None = None, device: str, dtype: torch.dtype, setting: str = SETTING
):
    """The Stable Video Diffusion pipeline for these settings, loaded once per process.

    `model` is a hub id (e.g. stabilityai/stable-video-diffusion-img2vid-xt) or a local folder
    written by save_pretrained; `setting` names the configuration block in error messages.
    """
    local = resolve_local(model, setting)
    return load_cached(
        "image-to-video",
        model,
        local,
        revision=revision,
        device=device,
        dtype=dtype,
        load=diffusers_loader("StableVideoDiffusionPipeline"),
        prepare=_prepare,
        setting=setting,
    )


def generate_clip(
    pipe,
    image: Image.Image,
    seed: int,
    *,
    frames: int,
    fps: int,
    width: int,
    height: int,
    steps: int,
    motion_bucket_id: int = 127,
    noise_aug_strength: float = 0.02,
    decode_chunk_size: int = 8,
) -> list[Image.Image]:
    """`frames` RGB frames of `width`x`height` moving on from `image`, the same for the same seed.

    `fps` and `motion_bucket_id` are conditioning, not output timing: SVD was trained with them and
    moves more for higher values. `noise_aug_strength` is how much noise is added to the keyframe
    (more = freer motion, less likeness). `decode_chunk_size` frames are decoded at a time: lower
    needs less memory, higher is faster and smoother.
    """
    if frames < 1 or steps < 1 or decode_chunk_size < 1:
        raise ValueError(
            f"frames, steps and decode_chunk_size must be at least 1, got {frames}, {steps} and {decode_chunk_size}"
        )
    device = str(getattr(pipe, "device", "cpu"))
    generator = torch.Generator(device="cpu").manual_seed(int(seed))
    try:
        with torch.inference_mode():
            result = pipe(
                image=image.convert("RGB"),
                width=width,
                height=height,
                num_frames=frames,
                num_inference_steps=steps,
                fps=fps,
                motion_bucket_id=motion_bucket_id,
                noise_aug_strength=noise_aug_strength,
                decode_chunk_size=decode_chunk_size,
                generator=generator,
                output_type="pil",
            )
    except RuntimeError as error:  # torch.OutOfMemoryError is a RuntimeError
        if not is_out_of_memory(error):
            raise
        name = model_name(pipe)
        raise ModelOutOfMemory(
            name,
            (
                f"model {name!r} ran out of memory on {device} rendering a {frames}-frame "
                f"{width}x{height} clip with decode_chunk_size {decode_chunk_size}: lower "
                f"decode_chunk_size (1 decodes a frame at a time), the frame count or the size, use a "
                f"lower precision (fp16 or bf16), or use a device with more memory"
            ),
        ) from error
    return [frame.convert("RGB") for frame in result.frames[0]]
