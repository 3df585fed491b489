"""The environment of the stack's processes, and the part of it stack.json records."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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


def media_link_secret(service_dir: Path) -> str:
    """The stack's secret for signed media links, made once and kept beside its state: links the
    catalog holds from earlier runs keep working after a restart. Readable by its owner only."""
    path = service_dir / "media-link-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


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
    # the catalog's media links go through this stack's API (docs/service-mode.md#media-links);
    # a secret or an API address set by the user wins
    reachable = "127.0.0.1" if options.host in ("0.0.0.0", "::", "") else options.host  # a listen-all address
    env.setdefault("FILMSTUDIO_API_URL", f"http://{reachable}:{options.api_port}")
    if not env.get("FILMSTUDIO_MEDIA_LINK_SECRET"):
        env["FILMSTUDIO_MEDIA_LINK_SECRET"] = media_link_secret(options.service_dir)
    return env


def recorded_env(env: dict) -> dict:
    """The stack's own settings, for stack.json (not the whole environment, no AWS secrets)."""
    from resources.profiles import SERVICE_ENV

    names = set(SERVICE_ENV.values()) | set(STACK_ENV)
    return {name: env[name] for name in sorted(names) if name in env}
