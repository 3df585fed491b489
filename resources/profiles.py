"""Environment profiles: the one place that reads the environment and picks resources.

`local` (the embedded default) keeps Dagster's instance (SQLite) and every project's media under
one folder, FILMSTUDIO_HOME (default ~/.filmstudio): no cloud account, no GPU, no services.
FILMSTUDIO_RENDERER=diffusers with FILMSTUDIO_MODEL (and the RENDERER_ENV settings) picks the
generated-image renderer; the CLI's --renderer/--model flags set the same choice.
`service` is the production shape on any machine: Dagster's instance in Postgres (its dagster.yaml
comes from `filmstudio up` or the deployment), media on S3, render requests from SQS through the
sensor. Its settings are the SERVICE_ENV variables; `filmstudio up` sets them for a laptop stack.
`prod` is the service profile on Kubernetes: the same storage and queue, named after the tier
(FILMSTUDIO_TIER, FILMSTUDIO_NAME_PREFIX: resources/deployment.py), and every step a pod of its
own through dagster-k8s's k8s_job_executor (the K8sRunLauncher comes from the Helm values).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from resources.deployment import DEFAULT_NAME_PREFIX, TIERS, DeploymentNames
from resources.io_manager import MediaStoreIOManager
from resources.media_store import LocalMediaStore, MediaStore

if TYPE_CHECKING:  # the media makers load numpy, scipy and espeak: only processes that render need them;
    # S3 and SQS load dagster-aws and boto3: only the service profiles need them
    from resources.animator import Animator
    from resources.composer import Composer
    from resources.queue import SqsQueue
    from resources.renderer import Renderer
    from resources.s3_media_store import S3MediaStore

PROFILES = ("local", "service", "prod")
SERVICE_PROFILES = ("service", "prod")  # Postgres, S3 and SQS

# The service profile's settings, one variable each (Helm values and `filmstudio up` set them).
SERVICE_ENV = {
    "postgres_url": "FILMSTUDIO_POSTGRES_URL",  # postgresql+psycopg2://user:pass@host:5432/db
    "bucket": "FILMSTUDIO_BUCKET",  # media bucket
    "media_prefix": "FILMSTUDIO_MEDIA_PREFIX",  # optional key prefix inside it
    "queue_url": "FILMSTUDIO_QUEUE_URL",  # render queue
    "dead_letter_queue_url": "FILMSTUDIO_DLQ_URL",  # its dead-letter queue
    "endpoint_url": "AWS_ENDPOINT_URL",  # a moto server locally; unset on AWS
    "region_name": "AWS_REGION",
    "sensor_interval_s": "FILMSTUDIO_SENSOR_INTERVAL",  # seconds between SQS sensor ticks
    "sensor_budget_s": "FILMSTUDIO_SENSOR_BUDGET",  # seconds one tick may spend receiving
    "sensor_max_messages": "FILMSTUDIO_SENSOR_MAX_MESSAGES",  # messages one tick takes at most
    # prod profile only
    "tier": "FILMSTUDIO_TIER",  # dev, sandbox, staging or production
    "name_prefix": "FILMSTUDIO_NAME_PREFIX",  # Terraform's name_prefix (default filmstudio)
    "gpu_image": "FILMSTUDIO_GPU_IMAGE",  # the CUDA image GPU steps run on (else the run's image)
}


def psycopg2_url(url: str) -> str:
    """The URL with the psycopg2 driver named: SQLAlchemy 2.1 maps a bare postgresql:// (and
    postgres://) to psycopg 3, which dagster-postgres does not use."""
    if not re.match(r"^postgres(ql)?(\+\w+)?://", url):
        raise ValueError(f"{url!r} is not a PostgreSQL URL (postgresql+psycopg2://user@host:5432/db)")
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg2://", url)


@dataclass(frozen=True)
class ServiceSettings:
    postgres_url: str = ""
    bucket: str = "filmstudio-media"
    media_prefix: str = ""
    queue_url: str = ""
    dead_letter_queue_url: str = ""
    endpoint_url: str | None = None
    region_name: str = "us-east-1"
    # Seconds, not Dagster's 30: submission-to-run latency is mostly this interval. Each tick
    # long-polls SQS for a second too, so a message that arrives meanwhile is taken at once.
    sensor_interval_s: int = 2
    # Well under Dagster's 60 s sensor timeout, so a slow queue never times a tick out.
    sensor_budget_s: float = 20.0
    sensor_max_messages: int = 100
    tier: str = ""
    name_prefix: str = DEFAULT_NAME_PREFIX
    gpu_image: str = ""
    # with a tier, queues are found by name (no account id in any setting)
    queue_name: str = ""
    dead_letter_queue_name: str = ""

    @classmethod
    def for_prod(cls) -> ServiceSettings:
        """The prod profile's settings: the tier's names (resources/deployment.py) unless a variable
        says otherwise."""
        settings = cls.from_environment()
        if not settings.tier:
            raise ValueError(f"the prod profile needs FILMSTUDIO_TIER: one of {', '.join(TIERS)}")
        names = DeploymentNames(settings.tier, settings.name_prefix)
        explicit_bucket = os.environ.get(SERVICE_ENV["bucket"])
        return replace(
            settings,
            bucket=explicit_bucket or names.media_bucket,
            queue_name=names.queue,
            dead_letter_queue_name=names.dead_letter_queue,
        )

    @classmethod
    def from_environment(cls) -> ServiceSettings:
        values = {name: os.environ[variable] for name, variable in SERVICE_ENV.items() if os.environ.get(variable)}
        if "region_name" not in values and os.environ.get("AWS_DEFAULT_REGION"):
            values["region_name"] = os.environ["AWS_DEFAULT_REGION"]
        for name, kind in (("sensor_interval_s", int), ("sensor_budget_s", float), ("sensor_max_messages", int)):
            if name in values:
                try:
                    values[name] = kind(values[name])
                except ValueError:
                    raise ValueError(f"{SERVICE_ENV[name]}={values[name]!r} is not a number") from None
        return cls(**values)

    def missing(self) -> list[str]:
        """The variables a service needs that are unset."""
        needed = ("postgres_url",) if self.queue_name else ("postgres_url", "queue_url", "dead_letter_queue_url")
        return [SERVICE_ENV[name] for name in needed if not getattr(self, name)]

    def queue(self) -> SqsQueue:
        from resources.queue import SqsQueue

        return SqsQueue(
            queue_url=self.queue_url,
            dead_letter_queue_url=self.dead_letter_queue_url,
            queue_name=self.queue_name,
            dead_letter_queue_name=self.dead_letter_queue_name,
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
        )

    def media_store(self) -> S3MediaStore:
        from dagster_aws.s3 import S3Resource

        from resources.s3_media_store import S3MediaStore

        return S3MediaStore(
            bucket=self.bucket,
            prefix=self.media_prefix,
            s3=S3Resource(endpoint_url=self.endpoint_url, region_name=self.region_name),
        )


# Links to media in the catalog and the API (docs/service-mode.md#media-links). Not in SERVICE_ENV:
# the stack records those in stack.json, and the secret must not land there.
MEDIA_LINK_ENV = {
    "local_url": "FILMSTUDIO_MEDIA_URL",  # where `filmstudio ui` serves the media folder (local profile)
    "api_url": "FILMSTUDIO_API_URL",  # the API's public base URL (service profiles)
    "secret": "FILMSTUDIO_MEDIA_LINK_SECRET",  # signs the links; the API and the run workers share it
    "lifetime_s": "FILMSTUDIO_MEDIA_LINK_SECONDS",  # how long a link written at render time works
}
DEFAULT_MEDIA_PORT = 3001  # beside the UI's 3000


@dataclass(frozen=True)
class MediaLinkSettings:
    local_url: str = f"http://127.0.0.1:{DEFAULT_MEDIA_PORT}"
    api_url: str = ""
    secret: str = field(default="", repr=False)
    lifetime_s: int = 7 * 24 * 3600  # a week; GET /projects/{id}/media-links signs fresh ones any time

    @classmethod
    def from_environment(cls) -> MediaLinkSettings:
        values = {name: os.environ[variable] for name, variable in MEDIA_LINK_ENV.items() if os.environ.get(variable)}
        if "lifetime_s" in values:
            try:
                values["lifetime_s"] = int(values["lifetime_s"])
            except ValueError:
                raise ValueError(
                    f"{MEDIA_LINK_ENV['lifetime_s']}={values['lifetime_s']!r} is not whole seconds"
                ) from None
        for name in ("local_url", "api_url"):
            if name in values:
                values[name] = values[name].rstrip("/")
        return cls(**values)


RENDERERS = ("storyboard", "diffusers")
# the diffusers renderer's settings as environment variables, for `dagster dev` and deployments
RENDERER_ENV = {
    "model": "FILMSTUDIO_MODEL",
    "revision": "FILMSTUDIO_MODEL_REVISION",
    "steps": "FILMSTUDIO_STEPS",
    "guidance": "FILMSTUDIO_GUIDANCE",
    "scheduler": "FILMSTUDIO_SCHEDULER",
    "batch_size": "FILMSTUDIO_BATCH_SIZE",
    "precision": "FILMSTUDIO_PRECISION",
    "device": "FILMSTUDIO_DEVICE",
    "compile_unet": "FILMSTUDIO_COMPILE",
}


@dataclass(frozen=True)
class RendererChoice:
    kind: str = "storyboard"
    options: dict = field(default_factory=dict)  # DiffusersRenderer fields

    def __post_init__(self) -> None:
        if self.kind not in RENDERERS:
            raise ValueError(f"renderer {self.kind!r} is not known: use {' or '.join(RENDERERS)}")
        if self.kind == "diffusers" and not self.options.get("model"):
            raise ValueError("the diffusers renderer needs a model: --model PATH_OR_HUB_ID (or FILMSTUDIO_MODEL)")


MOTION_ENV = {
    "model": "FILMSTUDIO_MOTION_MODEL",
    "steps": "FILMSTUDIO_MOTION_STEPS",
    "frames": "FILMSTUDIO_MOTION_FRAMES",
    "device": "FILMSTUDIO_DEVICE",
    "precision": "FILMSTUDIO_PRECISION",
}
MUSIC_ENV = {"model": "FILMSTUDIO_MUSIC_MODEL", "device": "FILMSTUDIO_DEVICE", "precision": "FILMSTUDIO_PRECISION"}


@dataclass(frozen=True)
class Environment:
    profile: str
    home: Path
    renderer: RendererChoice = field(default_factory=RendererChoice)
    motion: dict = field(default_factory=dict)  # VideoDiffusionAnimator fields; empty: camera moves
    music: dict = field(default_factory=dict)  # MusicGenComposer fields; empty: procedural score
    service: ServiceSettings = field(default_factory=ServiceSettings)
    media_links: MediaLinkSettings = field(default_factory=MediaLinkSettings)

    @property
    def dagster_home(self) -> Path:
        explicit = os.environ.get("DAGSTER_HOME")
        return Path(explicit) if explicit else self.home / "dagster_home"

    @property
    def media_root(self) -> Path:
        return self.home / "media"

    @property
    def uses_services(self) -> bool:
        """Postgres, S3 and SQS rather than the embedded defaults."""
        return self.profile in SERVICE_PROFILES


def current_environment() -> Environment:
    profile = os.environ.get("FILMSTUDIO_PROFILE", "local")
    if profile not in PROFILES:
        raise ValueError(f"FILMSTUDIO_PROFILE={profile!r} is not a known profile: use one of {', '.join(PROFILES)}")
    home = Path(os.environ.get("FILMSTUDIO_HOME", Path.home() / ".filmstudio")).expanduser().resolve()
    options = {name: os.environ[variable] for name, variable in RENDERER_ENV.items() if os.environ.get(variable)}
    renderer = RendererChoice(os.environ.get("FILMSTUDIO_RENDERER", "storyboard"), options)
    service = {"service": ServiceSettings.from_environment, "prod": ServiceSettings.for_prod}.get(
        profile, ServiceSettings
    )()
    return Environment(
        profile=profile,
        home=home,
        renderer=renderer,
        motion=_model_options(MOTION_ENV),
        music=_model_options(MUSIC_ENV),
        service=service,
        media_links=MediaLinkSettings.from_environment(),
    )


def prod_environment(names: DeploymentNames, gpu_image: str = "") -> Environment:
    """The prod profile for a tier without reading the environment (what `filmstudio deploy`
    renders)."""
    service = ServiceSettings(
        tier=names.tier,
        name_prefix=names.prefix,
        bucket=names.media_bucket,
        queue_name=names.queue,
        dead_letter_queue_name=names.dead_letter_queue,
        gpu_image=gpu_image,
    )
    return Environment(profile="prod", home=Path("/tmp/filmstudio"), service=service)


def _model_options(variables: dict[str, str]) -> dict:
    """A model's settings from the environment (used only once a model is named, here or by a
    CLI flag)."""
    return {name: os.environ[variable] for name, variable in variables.items() if os.environ.get(variable)}


def animator_for(environment: Environment) -> Animator:
    from resources.animator import CameraMoveAnimator, VideoDiffusionAnimator

    if environment.motion.get("model"):
        return VideoDiffusionAnimator(**environment.motion)
    return CameraMoveAnimator()


def composer_for(environment: Environment) -> Composer:
    from resources.composer import ProceduralComposer

    if environment.music.get("model"):
        from resources.musicgen_composer import MusicGenComposer

        return MusicGenComposer(**environment.music)
    return ProceduralComposer()


def renderer_for(choice: RendererChoice) -> Renderer:
    from resources.renderer import StoryboardRenderer

    if choice.kind == "diffusers":
        from resources.diffusers_renderer import DiffusersRenderer

        return DiffusersRenderer(**choice.options)
    return StoryboardRenderer()


def media_store_for(environment: Environment) -> MediaStore:
    if environment.uses_services:
        return environment.service.media_store()
    return LocalMediaStore(root=str(environment.media_root))


def review_db_for(environment: Environment):
    from dagster import EnvVar

    from resources.review_db import ReviewDatabase, local_review_url

    if environment.uses_services:
        return ReviewDatabase(url=EnvVar(SERVICE_ENV["postgres_url"]))
    return ReviewDatabase(url=local_review_url(environment.home))


def build_resources(environment: Environment) -> dict:
    from resources.voice import EspeakVoice

    store = media_store_for(environment)
    return {
        "media_store": store,
        "io_manager": MediaStoreIOManager(media_store=store),
        "renderer": renderer_for(environment.renderer),
        "voice": EspeakVoice(),
        "composer": composer_for(environment),
        "animator": animator_for(environment),
        "review_db": review_db_for(environment),
        **({"queue": environment.service.queue()} if environment.uses_services else {}),
    }
