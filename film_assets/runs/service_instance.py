"""The service profile's Dagster instance: a DAGSTER_HOME holding our Postgres dagster.yaml."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from dagster import DagsterInstance

from resources.profiles import psycopg2_url

DEFAULT_MAX_CONCURRENT_RUNS = 2  # a laptop renders two films at a time; Helm values raise it


def service_instance_yaml() -> str:
    return resources.files("film_assets.runs").joinpath("dagster.yaml").read_text()


def write_service_home(home: Path) -> Path:
    """Make `home` a DAGSTER_HOME for the service profile unless it already has a dagster.yaml (ours
    reads the Postgres URL from FILMSTUDIO_POSTGRES_URL, so no secret is written to disk)."""
    config, wanted = home / "dagster.yaml", service_instance_yaml()
    # a deployment may mount its own dagster.yaml read-only (a ConfigMap): leave an existing file be
    if not config.exists():
        home.mkdir(parents=True, exist_ok=True)
        config.write_text(wanted)
    return home


def service_instance(home: Path, postgres_url: str) -> DagsterInstance:
    """Open the service instance in this process (the API and tests; the daemon and webserver
    read the same dagster.yaml themselves)."""
    os.environ["FILMSTUDIO_POSTGRES_URL"] = psycopg2_url(postgres_url)
    os.environ.setdefault("FILMSTUDIO_MAX_CONCURRENT_RUNS", str(DEFAULT_MAX_CONCURRENT_RUNS))
    write_service_home(home)
    return DagsterInstance.from_config(str(home))
