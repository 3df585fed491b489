"""Shared parts of the API tests: the API as a real uvicorn process, reading the render queue and
the bucket over HTTP, and rendering a request into the service instance.

The stack itself comes from conftest: `service_stack` is per test; the API tests share conftest's
`module_service_stack` (as their `stack` fixture) so the one real render (~20 s) and each server
start (~4 s) happen once per module.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import REPO, ServiceStack, free_port, wait_for_http

TINY_FILM = """Title: Night Shift

INT. DINER - NIGHT

Rain on the windows. WREN wipes the counter.

WREN
We close at two.

OTTO
Then I have an hour.
"""


@contextmanager
def api_process(env: dict, log_dir: Path, **extra_env: str):
    """The API under uvicorn on a free port, as deployed; yields its base URL."""
    port = free_port()
    log_path = log_dir / f"api-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env={**os.environ, **env, **extra_env},
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
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
        batch = sqs.receive_message(
            QueueUrl=stack.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
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
    pages = stack.s3().get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix=prefix)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def render_in_process(instance, request, environment, expect_success: bool = True) -> str:
    """Materialize every asset and QC check of the request's project into `instance` (its dailies
    for a dailies request), tagged as the SQS sensor tags its runs; return the run id. The definitions are build_definitions' for
    `environment` without the SQS sensor: nothing here may consume the queue."""
    from film_assets.definitions import build_definitions
    from film_assets.partitions import projects

    definitions = build_definitions(environment, with_sensor=False)
    instance.add_dynamic_partitions(projects.name, [request.project_id])
    dailies = request.action == "dailies"  # the sensor runs make_dailies for these
    result = definitions.resolve_job_def("make_dailies" if dailies else "render_film").execute_in_process(
        partition_key=request.project_id,
        instance=instance,
        tags=request.run_tags(),
        raise_on_error=expect_success,
        run_config={
            "loggers": {"console": {"config": {"log_level": "ERROR"}}},
            **({"ops": {"dailies": {"config": request.dailies_config()}}} if dailies else {}),
        },
    )
    assert result.success or not expect_success
    return result.run_id


def client(api: str, key: str | None) -> httpx.Client:
    return httpx.Client(base_url=api, headers={"X-API-Key": key} if key else {}, timeout=30)


def listed_ids(session: httpx.Client) -> set[str]:
    """The ids on the first page of GET /projects (at most 100)."""
    return {item["project_id"] for item in session.get("/projects", params={"limit": 100}).json()["items"]}
