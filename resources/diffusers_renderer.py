"""The diffusers keyframe renderer: generated images from a text-to-image model, with every
parameter recorded as lineage. The model code lives in gpu_ops and is imported only when this
renderer renders, so CPU-only installs (and loading the Definitions) never import torch."""

from __future__ import annotations

import time
from collections.abc import Iterator

from pydantic import Field

from film_assets.domain.shots.breakdown import Shot
from film_assets.domain.shots.characters import generation_seed, prompt_with_characters
from resources.model_preflight import GPU_EXTRA_HINT as GPU_EXTRA
from resources.model_preflight import require_gpu_extra, require_local_model
from resources.renderer import RenderedKeyframe, Renderer, measured_cost

GPU_EXTRA_HINT = f"the diffusers renderer {GPU_EXTRA}"


class DiffusersRenderer(Renderer):
    """Text-to-image through diffusers' AutoPipelineForText2Image, from a hub id or a local folder."""

    model: str = Field(description="Hub id (e.g. stabilityai/sdxl-turbo) or a local folder made with save_pretrained.")
    revision: str | None = Field(default=None, description="Hub revision (commit or tag) to pin.")
    steps: int = Field(default=30, ge=1, le=200, description="Denoising steps.")
    guidance: float = Field(default=7.0, ge=0.0, le=30.0, description="Classifier-free guidance scale.")
    scheduler: str | None = Field(default=None, description="Scheduler class name, e.g. DPMSolverMultistepScheduler.")
    negative_prompt: str = Field(default="blurry, low quality, text, watermark, deformed hands")
    batch_size: int = Field(default=4, ge=1, le=64, description="Shots rendered per pipeline call.")
    precision: str = Field(default="auto", description="auto (bf16/fp16 on GPU, fp32 on CPU), fp16, bf16 or fp32.")
    device: str | None = Field(default=None, description="cuda, mps or cpu; default: the best available.")
    compile_unet: bool = Field(default=False, description="torch.compile the UNet (slow first batch, faster after).")

    @property
    def name(self) -> str:
        return "diffusers"

    @property
    def version(self) -> str:
        return "1"

    def preflight(self, width: int, height: int) -> None:
        require_gpu_extra("diffusers renderer", ("torch", "diffusers", "transformers"))
        if width % 8 or height % 8:
            raise ValueError(
                f"diffusion models need sizes in multiples of 8, got {width}x{height}: change --width/--height"
            )
        require_local_model(self.model, "model", "--model / FILMSTUDIO_MODEL")

    def render(self, shots: list[Shot], width: int, height: int, project: str) -> Iterator[RenderedKeyframe]:
        try:
            import diffusers
            import torch

            from gpu_ops.device import pick_device, pick_dtype
            from gpu_ops.pipelines import load_text_to_image, model_identity
            from gpu_ops.text_to_image import generate_images
        except ImportError as error:
            raise RuntimeError(f"{GPU_EXTRA_HINT} ({error})") from error
        if width % 8 or height % 8:
            raise ValueError(
                f"diffusion models need sizes in multiples of 8, got {width}x{height}: change --width/--height"
            )

        device = pick_device(self.device)
        dtype = pick_dtype(device, self.precision)
        pipe = load_text_to_image(
            self.model,
            revision=self.revision,
            device=device,
            dtype=dtype,
            scheduler=self.scheduler,
            compile_unet=self.compile_unet,
        )
        identity = model_identity(self.model, self.revision)
        common = {
            "renderer": self.name,
            "renderer_version": self.version,
            "diffusers_version": diffusers.__version__,
            **identity,
            "scheduler": type(pipe.scheduler).__name__,
            "steps": self.steps,
            "guidance": self.guidance,
            "negative_prompt": self.negative_prompt,
            "width": width,
            "height": height,
            "device": device,
            "dtype": str(dtype).removeprefix("torch."),
            "torch_version": torch.__version__,
        }
        for start in range(0, len(shots), self.batch_size):
            batch = shots[start : start + self.batch_size]
            prompts = [prompt_with_characters(shot.prompt, shot.characters) for shot in batch]
            seeds = [generation_seed(shot.seed, shot.sequence, shot.number, shot.characters, project) for shot in batch]
            began = time.perf_counter()
            images = generate_images(
                pipe,
                prompts,
                seeds,
                negative_prompt=self.negative_prompt,
                steps=self.steps,
                guidance=self.guidance,
                width=width,
                height=height,
                batch_size=self.batch_size,
                device=device,
            )
            seconds = (time.perf_counter() - began) / len(batch)  # each shot's share of the batch
            cost = measured_cost(seconds, device, self.model, self.steps, len(batch))
            for shot, prompt, seed, image in zip(batch, prompts, seeds, images, strict=True):
                yield RenderedKeyframe(
                    shot.code,
                    image.convert("RGB"),
                    {**common, "prompt": prompt, "seed": seed, "shot_seed": shot.seed, "camera_move": shot.camera_move},
                    measurements={"render_seconds": round(seconds, 3), "cost": cost},
                )
