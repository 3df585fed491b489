"""Environment profiles: the one place that reads the environment and picks resources.

`local` (the embedded default) keeps Dagster's instance (SQLite) and every project's media under
one folder, FILMSTUDIO_HOME (default ~/.filmstudio): no cloud account, no GPU, no services.
The `prod` profile (Postgres, S3, SQS, Kubernetes) comes with the service-mode issue.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from resources.io_manager import MediaStoreIOManager
from resources.media_store import LocalMediaStore, MediaStore
from resources.composer import ProceduralComposer
from resources.renderer import StoryboardRenderer
from resources.voice import EspeakVoice

PROFILES = ("local",)


@dataclass(frozen=True)
class Environment:
    profile: str
    home: Path

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
    return Environment(profile=profile, home=home)


def media_store_for(environment: Environment) -> MediaStore:
    return LocalMediaStore(root=str(environment.media_root))


def build_resources(environment: Environment) -> dict:
    store = media_store_for(environment)
    return {
        "media_store": store,
        "io_manager": MediaStoreIOManager(media_store=store),
        "renderer": StoryboardRenderer(),
        "voice": EspeakVoice(),
        "composer": ProceduralComposer(),
    }
