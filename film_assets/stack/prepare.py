"""What the services need before they start: the media bucket, the queue pair and Dagster's tables.
`filmstudio up` prepares them itself; docker-compose's `init` service runs
`python -m film_assets.stack.supervisor prepare` (prepare_service_from_environment)."""

from __future__ import annotations

import os
from pathlib import Path

from film_assets.runs.service_instance import DEFAULT_MAX_CONCURRENT_RUNS
from film_assets.stack.postgres import first_line, hide_password
from film_assets.stack.state import StackError


def prepare_aws(
    endpoint: str | None, bucket: str, region: str, queue_name: str, credentials: dict | None = None
) -> tuple[str, str]:
    """Create (or find) the media bucket and the queue pair `queue_name` / `queue_name-dlq`;
    return (queue URL, DLQ URL)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from resources.queue import ensure_queues

    credentials = credentials or {}
    session = boto3.session.Session(
        aws_access_key_id=credentials.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=credentials.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=credentials.get("AWS_SESSION_TOKEN"),
        region_name=region,
    )
    try:
        s3 = session.client("s3", endpoint_url=endpoint)
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        try:
            s3.create_bucket(Bucket=bucket, **location)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        return ensure_queues(session.client("sqs", endpoint_url=endpoint), queue_name)
    except (BotoCoreError, ClientError) as error:
        raise StackError(
            f"cannot create the bucket {bucket!r} and the queues {queue_name!r} at {endpoint or 'AWS'}: {error}"
        ) from None


def prepare_instance(dagster_home: Path, postgres_url: str, max_concurrent_runs: str):
    """Open the service instance here once, which creates Dagster's tables in a fresh database."""
    from film_assets.runs.service_instance import service_instance

    os.environ["FILMSTUDIO_MAX_CONCURRENT_RUNS"] = str(max_concurrent_runs)
    try:
        return service_instance(dagster_home, postgres_url)
    except Exception as error:  # noqa: BLE001 - any failure here means the database is not usable
        raise StackError(
            f"cannot open Dagster's instance in {hide_password(postgres_url)}: {first_line(error)}"
        ) from None


def prepare_service_from_environment() -> None:
    """`python -m film_assets.stack.supervisor prepare`: what `filmstudio up` prepares before starting
    the services, from the service profile's settings (docker-compose's `init` service runs it):
    the bucket, the queues FILMSTUDIO_QUEUE_URL and FILMSTUDIO_DLQ_URL name, and Dagster's tables."""
    from resources.profiles import ServiceSettings, current_environment

    settings = ServiceSettings.from_environment()
    if settings.missing():
        raise StackError(f"set {', '.join(settings.missing())} (see resources/profiles.py SERVICE_ENV)")
    name = settings.queue_url.rstrip("/").rsplit("/", 1)[-1]
    dlq_name = settings.dead_letter_queue_url.rstrip("/").rsplit("/", 1)[-1]
    if dlq_name != f"{name}-dlq":
        raise StackError(f"FILMSTUDIO_DLQ_URL names {dlq_name!r}; the dead-letter queue of {name!r} is {name}-dlq")
    queue_url, dlq_url = prepare_aws(settings.endpoint_url, settings.bucket, settings.region_name, name)
    prepare_instance(
        current_environment().dagster_home,
        settings.postgres_url,
        os.environ.get("FILMSTUDIO_MAX_CONCURRENT_RUNS") or str(DEFAULT_MAX_CONCURRENT_RUNS),
    ).dispose()
    print(
        f"prepared: bucket {settings.bucket}, queues {queue_url} and {dlq_url}, Dagster's tables in "
        f"{hide_password(settings.postgres_url)}"
    )


# docker-compose's `init` service runs `python -m film_assets.stack.prepare`
if __name__ == "__main__":
    import sys

    try:
        prepare_service_from_environment()
    except StackError as failure:
        sys.exit(f"prepare: {failure}")
