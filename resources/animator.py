"""Shot animators: how a keyframe becomes a moving shot. The default is a camera move (push-in,
pan) encoded by ffmpeg on the CPU; an image-to-video model (Stable Video Diffusion through
gpu_ops) plugs in behind the same interface when a motion model is configured."""

from __future__ import annotations

import tempfile
from abc import abstractmethod
from fractions import Fraction
from pathlib import Path

from pydantic import Field

from film_assets.bindings.ffmpeg import encode_image_sequence, encode_shot_clip
from film_assets.domain.shots.breakdown import Shot
from film_assets.domain.video.encoding import VideoSettings
from resources.model_preflight import require_gpu_extra, require_local_model
from resources.renderer import measured_cost
from resources.versioned import MediaMaker, content_key


class Animator(MediaMaker):
    @property
    def max_parallel(self) -> int:
        """How many shots may be animated at once (one model on one GPU: 1)."""
        return 16

    @abstractmethod
    def animate(
        self, keyframe: Path, keyframe_entry: dict, shot: Shot, output: Path, settings: VideoSettings, project: str
    ) -> dict:
        """Write the shot's clip (exactly shot.duration_frames frames) to output; return what
        shaped it, for lineage."""

    def cost(self, wall_s: float, lineage: dict) -> dict:
        """What one clip cost, from the seconds its animate() took and what it returned: the
        cost ledger's record (measured_cost). The default is a CPU encode."""
        return measured_cost(wall_s, "cpu", f"{self.name} v{self.version}")

    def shot_key(
        self, shot: Shot, keyframe_entry: dict, settings: VideoSettings, dialogue_audio: list[str] = ()
    ) -> str:
        """What the clip of `shot` will be made from, known before encoding: the keyframe's own
        bytes (so the renderer, model, prompt, seed, size and steps), the move, the length, the
        video settings and the sha256 of each dialogue clip the shot covers (a re-voiced line is
        a changed shot, even where its length holds)."""
        return content_key(
            self.name,
            self.version,
            self.output_settings(),
            keyframe_entry["sha256"],
            keyframe_entry.get("picture_band"),
            shot.camera_move,
            shot.duration_frames,
            repr(settings),
            list(dialogue_audio),
        )


class CameraMoveAnimator(Animator):
    """The keyframe under the shot's camera move; a storyboard's header and caption stay still."""

    @property
    def name(self) -> str:
        return "camera_move"

    @property
    def version(self) -> str:
        return "1"

    def animate(self, keyframe, keyframe_entry, shot, output, settings, project) -> dict:
        top, bottom = keyframe_entry.get("picture_band", (0, shot.height))
        encode_shot_clip(keyframe, shot.camera_move, shot.duration_frames, output, settings, top, bottom)
        return {"animator": self.name, "animator_version": self.version, "camera_move": shot.camera_move}


class VideoDiffusionAnimator(Animator):
    """Stable Video Diffusion from the keyframe: `frames` generated frames spread over the shot."""

    model: str = Field(description="Hub id (e.g. stabilityai/stable-video-diffusion-img2vid-xt) or a local folder.")
    revision: str | None = None
    steps: int = Field(default=25, ge=1, le=200)
    frames: int = Field(default=14, ge=2, le=64, description="Generated frames per shot, spread over its length.")
    motion_bucket_id: int = Field(default=127, ge=1, le=255, description="More motion for higher values.")
    noise_aug_strength: float = Field(default=0.02, ge=0.0, le=1.0)
    decode_chunk_size: int = Field(default=8, ge=1, le=64)
    precision: str = "auto"
    device: str | None = None

    @property
    def name(self) -> str:
        return "video_diffusion"

    @property
    def version(self) -> str:
        return "1"

    @property
    def max_parallel(self) -> int:
        return 1

    def cost(self, wall_s: float, lineage: dict) -> dict:
        return measured_cost(wall_s, lineage["device"], self.model, self.steps, 1)  # one shot per call

    def preflight(self, width: int, height: int) -> None:
        require_gpu_extra("video diffusion animator", ("torch", "diffusers", "transformers"))
        require_local_model(self.model, "motion model", "--motion-model / FILMSTUDIO_MOTION_MODEL")

    def animate(self, keyframe, keyframe_entry, shot, output, settings, project) -> dict:
        from PIL import Image

        from gpu_ops.device import pick_device, pick_dtype
        from gpu_ops.image_to_video import generate_clip, load_image_to_video
        from gpu_ops.pipelines import model_identity

        device = pick_device(self.device)
        dtype = pick_dtype(device, self.precision)
        pipe = load_image_to_video(self.model, revision=self.revision, device=device, dtype=dtype)
        width, height = settings.width - settings.width % 8, settings.height - settings.height % 8
        with Image.open(keyframe) as image:
            clip = generate_clip(
                pipe,
                image.convert("RGB"),
                keyframe_entry["seed"],
                frames=self.frames,
                fps=max(1, round(self.frames / shot.duration_s)),
                width=width,
                height=height,
                steps=self.steps,
                motion_bucket_id=self.motion_bucket_id,
                noise_aug_strength=self.noise_aug_strength,
                decode_chunk_size=self.decode_chunk_size,
            )
        with tempfile.TemporaryDirectory(prefix="film-assets-clip-") as folder:
            for index, frame in enumerate(clip):
                frame.save(Path(folder) / f"frame_{index:04d}.png", compress_level=1)
            # the generated frames spread evenly over the shot's length
            rate = Fraction(len(clip)) / Fraction(shot.duration_s).limit_denominator(100000)
            encode_image_sequence(str(Path(folder) / "frame_%04d.png"), rate, shot.duration_frames, output, settings)
        return {
            "animator": self.name,
            "animator_version": self.version,
            **model_identity(self.model, self.revision),
            "steps": self.steps,
            "generated_frames": len(clip),
            "seed": keyframe_entry["seed"],
            "motion_bucket_id": self.motion_bucket_id,
            "noise_aug_strength": self.noise_aug_strength,
            "device": device,
            "dtype": str(dtype).removeprefix("torch."),
        }
