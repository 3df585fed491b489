"""The environment of the stack's processes, and the part of it stack.json records."""

from __future__ import annotations

import os

from film_assets.runs.service_instance import write_service_home
from film_assets.stack.options import StackOptions

# moto accepts any credentials; the children need some to sign their requests
DUMMY_AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "filmstudio", "AWS_SECRET_ACCESS_KEY": "filmstudio"}
# What the stack's processes get besides the service profile's SERVICE_ENV (docker-compose sets the same)
STACK_ENV = (
    "FILMSTUDIO_PROFILE",
    "FILMSTUDIO_HOME",
    "DAGSTER_HOME",
    "FILMSTUDIO_MAX_CONCURRENT_RUNS",
    "AWS_DEFAULT_REGION",
)


def child_env(options: StackOptions, postgres_url: str) -> dict:
    env = {name: value for name, value in os.environ.items() if name != "DAGSTER_HOME"}
    if not options.aws_endpoint and not env.get("AWS_ACCESS_KEY_ID"):
        env.update(DUMMY_AWS_CREDENTIALS)
    write_service_home(options.dagster_home)
    env.update(
        {
            "FILMSTUDIO_PROFILE": "service",
            "FILMSTUDIO_HOME": str(options.home),
            "DAGSTER_HOME": str(options.dagster_home),
            "FILMSTUDIO_POSTGRES_URL": postgres_url,
            "FILMSTUDIO_BUCKET": options.bucket,
            "AWS_REGION": options.region,
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION") or options.region,
            "FILMSTUDIO_MAX_CONCURRENT_RUNS": str(options.max_concurrent_runs),
            "PYTHONUNBUFFERED": "1",  # logs as they happen
        }
    )
    return env


def recorded_env(env: dict) -> dict:
    """The stack's own settings, for stack.json (not the whole environment, no AWS secrets)."""
    from resources.profiles import SERVICE_ENV

    names = set(SERVICE_ENV.values()) | set(STACK_ENV)
    return {name: env[name] for name in sorted(names) if name in env}
