"""The API's settings: read from the environment once, in one place.

The service settings (Postgres, queue, bucket) are the same SERVICE_ENV variables the sensor and
`filmstudio up` use; the API adds its own limits: upload size, how long a request body may take to arrive, requests
per tenant, and how long a presigned download URL lives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from api.rate_limit import DEFAULT_RATE_LIMIT, RateLimit, parse_rate_limit, rate_limit_from_environment
from resources.profiles import Environment, ServiceSettings, current_environment

MAX_UPLOAD_ENV = "FILMSTUDIO_API_MAX_UPLOAD_BYTES"
DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a feature screenplay is ~200 KB of text: 2 MiB is generous
PRESIGNED_URL_ENV = "FILMSTUDIO_PRESIGNED_URL_SECONDS"
PRESIGNED_URL_SECONDS = 300  # a download link is for now: long enough to start it, too short to share
MAX_PRESIGNED_URL_SECONDS = 900
BODY_SECONDS_ENV = "FILMSTUDIO_API_BODY_SECONDS"
# a 2 MiB upload at a slow 100 kB/s takes 20 s; a client dribbling bytes holds a connection no longer
DEFAULT_BODY_SECONDS = 60.0


@dataclass(frozen=True)
class ApiSettings:
    service: ServiceSettings
    environment: Environment
    dagster_home: Path
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    body_seconds: float = DEFAULT_BODY_SECONDS  # the whole request body must arrive within it
    presigned_url_seconds: int = PRESIGNED_URL_SECONDS
    rate_limit: RateLimit | None = parse_rate_limit(DEFAULT_RATE_LIMIT)  # per tenant; None: no limit
    # the GET endpoints' Dagster queries may not hang a worker thread: Postgres cancels them
    statement_timeout_ms: int = 5000

    @classmethod
    def from_environment(cls) -> ApiSettings:
        environment = current_environment()
        service = environment.service if environment.uses_services else ServiceSettings.from_environment()
        missing = service.missing()
        if missing:
            raise RuntimeError(f"the API needs {', '.join(missing)} set (see resources/profiles.py SERVICE_ENV)")
        return cls(
            service=service,
            environment=environment,
            dagster_home=environment.dagster_home,
            max_upload_bytes=_max_upload_bytes(),
            body_seconds=_body_seconds(),
            presigned_url_seconds=_presigned_url_seconds(),
            rate_limit=_rate_limit(),
        )


def _max_upload_bytes() -> int:
    raw = os.environ.get(MAX_UPLOAD_ENV)
    if not raw:
        return DEFAULT_MAX_UPLOAD_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError(f"{MAX_UPLOAD_ENV}={raw!r} is not a whole number of bytes") from None
    if value < 1:
        raise RuntimeError(f"{MAX_UPLOAD_ENV}={value} must be at least 1 byte")
    return value


def _body_seconds() -> float:
    raw = os.environ.get(BODY_SECONDS_ENV)
    try:
        value = float(raw) if raw else DEFAULT_BODY_SECONDS
    except ValueError:
        raise RuntimeError(f"{BODY_SECONDS_ENV}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise RuntimeError(f"{BODY_SECONDS_ENV}={raw} must be more than 0 seconds")
    return value


def _rate_limit() -> RateLimit | None:
    try:
        return rate_limit_from_environment()
    except ValueError as error:
        raise RuntimeError(str(error)) from None


def _presigned_url_seconds() -> int:
    raw = os.environ.get(PRESIGNED_URL_ENV)
    if not raw:
        return PRESIGNED_URL_SECONDS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PRESIGNED_URL_SECONDS:
        raise RuntimeError(f"{PRESIGNED_URL_ENV}={raw!r}: give whole seconds from 1 to {MAX_PRESIGNED_URL_SECONDS}")
    return int(raw)
