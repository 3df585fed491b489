"""The options of `filmstudio up`: its flags over the service profile's settings, and the folders
under FILMSTUDIO_HOME/service/ they imply."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from film_assets.runs.service_instance import DEFAULT_MAX_CONCURRENT_RUNS
from film_assets.stack.state import service_dir, state_path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_API_PORT = 8000
DEFAULT_UI_PORT = 3000
DEFAULT_AWS_PORT = 4566


# --- the command's options --------------------------------------------------------------------


@dataclass(frozen=True)
class StackOptions:
    home: Path  # FILMSTUDIO_HOME
    host: str = DEFAULT_HOST
    api_port: int = DEFAULT_API_PORT
    ui_port: int = DEFAULT_UI_PORT
    aws_port: int = DEFAULT_AWS_PORT
    postgres_url: str | None = None
    aws_endpoint: str | None = None
    bucket: str = "filmstudio-media"
    region: str = "us-east-1"
    max_concurrent_runs: str = str(DEFAULT_MAX_CONCURRENT_RUNS)

    @classmethod
    def from_environment(cls, **flags) -> StackOptions:
        """The command's flags over the service profile's settings (FILMSTUDIO_POSTGRES_URL,
        FILMSTUDIO_BUCKET, AWS_REGION, ...) and FILMSTUDIO_HOME."""
        from resources.profiles import ServiceSettings, current_environment

        settings = ServiceSettings.from_environment()
        values = {
            "home": current_environment().home,
            "bucket": settings.bucket,
            "region": settings.region_name,
            "postgres_url": settings.postgres_url or None,
            "max_concurrent_runs": os.environ.get("FILMSTUDIO_MAX_CONCURRENT_RUNS") or str(DEFAULT_MAX_CONCURRENT_RUNS),
        }
        values.update({name: value for name, value in flags.items() if value is not None})
        return cls(**values)

    @property
    def service_dir(self) -> Path:
        return service_dir(self.home)

    @property
    def dagster_home(self) -> Path:
        return self.service_dir / "dagster_home"

    @property
    def log_dir(self) -> Path:
        return self.service_dir / "logs"

    @property
    def state_path(self) -> Path:
        return state_path(self.home)

    @property
    def postgres_data(self) -> Path:
        return self.service_dir / "postgres"
