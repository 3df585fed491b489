"""Shared parts of the deployment-file tests: our Helm values as the chart reads them, and the
settings every pod gets."""

from __future__ import annotations

from pathlib import Path

import yaml

from film_assets.runs.run_origin import CODE_LOCATION_ENV
from resources.deployment import CPU_POOL, NODE_POOL_LABEL
from resources.profiles import MEDIA_LINK_ENV, SERVICE_ENV
from tests.conftest import REPO

HELM = REPO / "infra" / "helm"
KUBERNETES_VERSION = "1.31"  # infra/terraform's kubernetes_version
RUN_AS = 10001  # the uid of both images (infra/docker)
CPU_NODES = {NODE_POOL_LABEL: CPU_POOL}
OUR_ENV = set(SERVICE_ENV.values()) | {"FILMSTUDIO_PROFILE", CODE_LOCATION_ENV, MEDIA_LINK_ENV["api_url"]}


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


BASE = load_yaml(HELM / "values.yaml")


def code_location(values: dict) -> dict:
    [deployment] = values["dagster-user-deployments"]["deployments"]
    return deployment


def env_of(deployment: dict) -> dict[str, str]:
    return {item["name"]: item["value"] for item in deployment["env"]}
