"""Environment profiles: the one place that reads the environment and picks resources.

`local` (the embedded default) keeps Dagster's instance (SQLite) and every project's media under
one folder, FILMSTUDIO_HOME (default ~/.filmstudio): no cloud account, no GPU, no services.
FILMSTUDIO_RENDERER=diffusers with FILMSTUDIO_MODEL (and the RENDERER_ENV settings) picks the
generated-image renderer; the CLI's --renderer/--model flags set the same choice.
The `prod` profile (Postgres, S3, SQS, Kubernetes) comes with the service-mode issue.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from resources.io_manager import MediaStoreIOManager
from resources.media_store import LocalMediaStore, MediaStore
from resources.animator import Animator, CameraMoveAnimator, VideoDiffusionAnimator
from resources.composer import Composer, ProceduralComposer
from resources.renderer import Renderer, StoryboardRenderer
from resources.voice import EspeakVoice

PROFILES = ("local",)


RENDERERS = ("storyboard", "diffusers")
# the diffusers renderer's settings as environment variables, for `dagster dev` and deployments
RENDERER_ENV = {"model": "FILMSTUDIO_MODEL", "revision": "FILMSTUDIO_MODEL_REVISION", "steps": "FILMSTUDIO_STEPS",
                "guidance": "FILMSTUDIO_GUIDANCE", "scheduler": "FILMSTUDIO_SCHEDULER",
                "batch_size": "FILMSTUDIO_BATCH_SIZE", "precision": "FILMSTUDIO_PRECISION", "device": "FILMSTUDIO_DEVICE",
                "compile_unet": "FILMSTUDIO_COMPILE"}


@dataclass(frozen=True)
class RendererChoice:
    kind: str = "storyboard"
    options: dict = field(default_factory=dict)  # DiffusersRenderer fields

    def __post_init__(self) -> None:
        if self.kind not in RENDERERS:
            raise ValueError(f"renderer {self.kind!r} is not known: use {' or '.join(RENDERERS)}")
        if self.kind == "diffusers" and not self.options.get("model"):
            raise ValueError("the diffusers renderer needs a model: --model PATH_OR_HUB_ID (or FILMSTUDIO_MODEL)")


MOTION_ENV = {"model": "FILMSTUDIO_MOTION_MODEL", "steps": "FILMSTUDIO_MOTION_STEPS",
              "frames": "FILMSTUDIO_MOTION_FRAMES", "device": "FILMSTUDIO_DEVICE", "precision": "FILMSTUDIO_PRECISION"}
MUSIC_ENV = {"model": "FILMSTUDIO_MUSIC_MODEL", "device": "FILMSTUDIO_DEVICE", "precision": "FILMSTUDIO_PRECISION"}


@dataclass(frozen=True)
class Environment:
    profile: str
    home: Path
    renderer: RendererChoice = field(default_factory=RendererChoice)
    motion: dict = field(default_factory=dict)  # VideoDiffusionAnimator fields; empty: camera moves
    music: dict = field(default_factory=dict)   # MusicGenComposer fields; empty: procedural score

    @property
    def dagster_home(self) -> Path:
        explicit = os.environ.get("DAGSTER_HOME")
        return Path(explicit) if explicit else self.home / "dagster_home"

    @property
    def media_root(self) -> Path:
        return self.home / "media"


def current_environment() -> Environment:
    profile = os.environ.get("FILMSTUDIO_PROFILE", "local")
    if profile not in PROFILES:
        raise ValueError(f"FILMSTUDIO_PROFILE={profile!r} is not a known profile: use one of {', '.join(PROFILES)}")
    home = Path(os.environ.get("FILMSTUDIO_HOME", Path.home() / ".filmstudio")).expanduser().resolve()
    options = {name: os.environ[variable] for name, variable in RENDERER_ENV.items() if os.environ.get(variable)}
    renderer = RendererChoice(os.environ.get("FILMSTUDIO_RENDERER", "storyboard"), options)
    return Environment(profile=profile, home=home, renderer=renderer, motion=_model_options(MOTION_ENV),
                       music=_model_options(MUSIC_ENV))


def _model_options(variables: dict[str, str]) -> dict:
    """A model's settings from the environment (used only once a model is named, here or by a
    CLI flag)."""
    return {name: os.environ[variable] for name, variable in variables.items() if os.environ.get(variable)}


def animator_for(environment: Environment) -> Animator:
    if environment.motion.get("model"):
        return VideoDiffusionAnimator(**environment.motion)
    return CameraMoveAnimator()


def composer_for(environment: Environment) -> Composer:
    if environment.music.get("model"):
        from resources.musicgen_composer import MusicGenComposer

        return MusicGenComposer(**environment.music)
    return ProceduralComposer()


def renderer_for(choice: RendererChoice) -> Renderer:
    if choice.kind == "diffusers":
        from resources.diffusers_renderer import DiffusersRenderer

        return DiffusersRenderer(**choice.options)
    return StoryboardRenderer()


def media_store_for(environment: Environment) -> MediaStore:
    return LocalMediaStore(root=str(environment.media_root))


def build_resources(environment: Environment) -> dict:
    store = media_store_for(environment)
    return {
        "media_store": store,
        "io_manager": MediaStoreIOManager(media_store=store),
        "renderer": renderer_for(environment.renderer),
        "voice": EspeakVoice(),
        "composer": composer_for(environment),
        "animator": animator_for(environment),
    }
