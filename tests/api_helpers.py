"""Shared parts of the API tests: a module-wide service stack (Postgres database, bucket, queues,
DAGSTER_HOME), the API as a real uvicorn process, and reading the render queue over HTTP.

conftest's `service_stack` is per test; the API tests share one stack per module so the one real
render (~20 s) and each server start (~4 s) happen once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest

from tests.conftest import AWS_TEST_CREDENTIALS, REPO, ServiceStack, _admin_connection, free_port, wait_for_http

TINY_FILM = """Title: Night Shift

INT. DINER - NIGHT

Rain on the windows. WREN wipes the counter.

WREN
We close at two.

OTTO
Then I have an hour.
"""


@contextmanager
def module_service_stack(folder: Path, moto_endpoint: str):
    """What conftest's service_stack makes, for a whole module: a fresh database, a bucket and a
    queue pair on the moto server, a service DAGSTER_HOME; this process's environment set to the
    service profile meanwhile (so the in-process Dagster instance reads the same settings)."""
    from film_assets.service.instance import write_service_home
    from resources.queue import ensure_queues

    suffix = uuid.uuid4().hex[:10]
    database = f"filmstudio_api_test_{suffix}"
    connection, admin_url = _admin_connection()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    postgres_url = admin_url.set(database=database).render_as_string(hide_password=False)
    try:
        aws = dict(endpoint_url=moto_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                   aws_secret_access_key="testing")
        bucket = f"media-{suffix}"
        boto3.client("s3", **aws).create_bucket(Bucket=bucket)
        # nothing consumes these queues but the tests: a long visibility timeout, so a message a
        # test has read does not come back to the next one
        queue_url, dlq_url = ensure_queues(boto3.client("sqs", **aws), f"api-{suffix}", visibility_timeout_s=300)
        home = write_service_home(folder / "dagster_home")
        env = {**AWS_TEST_CREDENTIALS, "FILMSTUDIO_PROFILE": "service", "FILMSTUDIO_POSTGRES_URL": postgres_url,
               "FILMSTUDIO_BUCKET": bucket, "FILMSTUDIO_QUEUE_URL": queue_url, "FILMSTUDIO_DLQ_URL": dlq_url,
               "AWS_ENDPOINT_URL": moto_endpoint, "DAGSTER_HOME": str(home), "FILMSTUDIO_MAX_CONCURRENT_RUNS": "2",
               "FILMSTUDIO_HOME": str(folder / "filmstudio_home")}
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            yield ServiceStack(postgres_url=postgres_url, endpoint=moto_endpoint, bucket=bucket, queue_url=queue_url,
                               dlq_url=dlq_url, dagster_home=home, env=env)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.close()


@contextmanager
def api_process(env: dict, log_dir: Path, **extra_env: str):
    """The API under uvicorn on a free port, as deployed; yields its base URL."""
    port = free_port()
    log_path = log_dir / f"api-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port)], env={**os.environ, **env, **extra_env}, cwd=REPO, stdout=log,
            stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_for_http(f"{url}/openapi.json", process, timeout_s=60)
            except RuntimeError as error:
                raise RuntimeError(f"{error}\n{log_path.read_text(errors='replace')[-3000:]}") from None
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
    # a server error is a bug even when the test passed: the log says which request
    assert "Traceback" not in log_path.read_text(errors="replace"), log_path.read_text(errors="replace")[-3000:]


def drain_queue(stack: ServiceStack, wait_s: float = 0.0) -> list[dict]:
    """Every message now in the render queue, read over HTTP and deleted (waiting up to wait_s
    for the first)."""
    sqs = stack.sqs()
    messages, deadline = [], time.monotonic() + wait_s
    while True:
        batch = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        for message in batch:
            sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"])
        messages.extend(batch)
        if not batch and (messages or time.monotonic() >= deadline):
            return messages
        if not batch:
            time.sleep(0.2)


def received_request(stack: ServiceStack, job_id: str):
    """The RenderRequest with this job id, received from the queue and validated."""
    from film_assets.contract import RenderRequest

    requests = [RenderRequest.model_validate_json(message["Body"]) for message in drain_queue(stack, wait_s=5)]
    matching = [request for request in requests if request.job_id == job_id]
    assert len(matching) == 1, f"expected one message for job {job_id}, got {[r.job_id for r in requests]}"
    return matching[0]


def bucket_keys(stack: ServiceStack, prefix: str = "") -> set[str]:
    s3 = boto3.client("s3", endpoint_url=stack.endpoint, region_name="us-east-1")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix=prefix)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def render_in_process(instance, request, environment) -> str:
    """Materialize every asset of the request's project into `instance`, tagged as the SQS
    sensor tags its runs; return the run id. The definitions are build_definitions' assets and
    resources for `environment` without the SQS sensor: nothing here may consume the queue."""
    from dagster import Definitions

    from film_assets.definitions import ASSETS
    from film_assets.jobs import render_film
    from film_assets.partitions import projects
    from resources.profiles import build_resources

    definitions = Definitions(assets=ASSETS, jobs=[render_film], resources=build_resources(environment))
    instance.add_dynamic_partitions(projects.name, [request.project_id])
    result = definitions.resolve_job_def("render_film").execute_in_process(
        partition_key=request.project_id, instance=instance, tags=request.run_tags(), raise_on_error=True,
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
    assert result.success
    return result.run_id
