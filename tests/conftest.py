"""Shared fixtures: an isolated FILMSTUDIO_HOME per test, the CLI as a real process, and a moto
server on loopback standing in for S3 over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture
def film_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "filmstudio-home"
    monkeypatch.setenv("FILMSTUDIO_HOME", str(home))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return home


@pytest.fixture
def run_cli(film_home):
    """Run `filmstudio ...` as its own process, the way a user does."""

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env["FILMSTUDIO_HOME"] = str(film_home)
        return subprocess.run([sys.executable, "-m", "film_assets.cli", *args], capture_output=True,
                              text=True, env=env, timeout=timeout, cwd=film_home.parent)

    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    """Poll url until it answers, failing early if the server process dies."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up (process exit code {process.poll()})")
            time.sleep(0.2)


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto server in its own process on 127.0.0.1; boto3 reaches it over real HTTP."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{endpoint}/moto-api/", process, timeout_s=30)
    except RuntimeError:
        process.kill()
        raise
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


# --- service mode: a real Postgres, SQS and S3 on a moto server -------------------------------

# The Postgres that scripts/postgres.sh provides (the machine's own on 127.0.0.1:5432, trust auth).
POSTGRES_ADMIN_URL = os.environ.get("FILMSTUDIO_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
AWS_TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}


def _admin_connection():
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_ADMIN_URL)
    connection = psycopg2.connect(host=url.host, port=url.port or 5432, user=url.username,
                                  password=url.password, dbname=url.database, connect_timeout=5)
    connection.autocommit = True
    return connection, url


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable Postgres, or a clear failure saying how to get one."""
    try:
        connection, _ = _admin_connection()
    except Exception as error:  # noqa: BLE001 - any connection failure means the same thing here
        pytest.fail(f"no Postgres at {POSTGRES_ADMIN_URL} ({error}); run `bash scripts/postgres.sh` "
                    "or set FILMSTUDIO_TEST_POSTGRES")
    connection.close()
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database for one test (dropped afterwards): postgresql+psycopg2://..."""
    import uuid

    name = f"filmstudio_test_{uuid.uuid4().hex[:12]}"
    connection, url = _admin_connection()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


@dataclass
class ServiceStack:
    """The settings of one test's service profile, as `filmstudio up` would export them."""
    postgres_url: str
    endpoint: str
    bucket: str
    queue_url: str
    dlq_url: str
    dagster_home: Path
    env: dict

    def settings(self):
        from resources.profiles import ServiceSettings

        return ServiceSettings(postgres_url=self.postgres_url, bucket=self.bucket, queue_url=self.queue_url,
                               dead_letter_queue_url=self.dlq_url, endpoint_url=self.endpoint)

    def instance(self):
        from film_assets.service.instance import service_instance

        return service_instance(self.dagster_home, self.postgres_url)

    def sqs(self):
        import boto3

        return boto3.client("sqs", endpoint_url=self.endpoint, region_name="us-east-1")


@pytest.fixture
def service_stack(tmp_path, monkeypatch, postgres_url, moto_endpoint, film_home) -> ServiceStack:
    """A fresh Postgres database, bucket and queue pair on the moto server, a service DAGSTER_HOME,
    and this process's environment set to the service profile (child processes inherit it)."""
    import uuid

    import boto3

    from film_assets.service.instance import write_service_home
    from resources.queue import ensure_queues

    for name, value in AWS_TEST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    suffix = uuid.uuid4().hex[:10]
    bucket = f"media-{suffix}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    # a short visibility timeout, so tests see redelivery in seconds rather than minutes
    queue_url, dlq_url = ensure_queues(sqs, f"renders-{suffix}", visibility_timeout_s=4)
    home = write_service_home(tmp_path / "service_dagster_home")
    env = {**AWS_TEST_CREDENTIALS, "FILMSTUDIO_PROFILE": "service", "FILMSTUDIO_POSTGRES_URL": postgres_url,
           "FILMSTUDIO_BUCKET": bucket, "FILMSTUDIO_QUEUE_URL": queue_url, "FILMSTUDIO_DLQ_URL": dlq_url,
           "AWS_ENDPOINT_URL": moto_endpoint, "DAGSTER_HOME": str(home), "FILMSTUDIO_MAX_CONCURRENT_RUNS": "2",
           "FILMSTUDIO_SENSOR_INTERVAL": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return ServiceStack(postgres_url=postgres_url, endpoint=moto_endpoint, bucket=bucket, queue_url=queue_url,
                        dlq_url=dlq_url, dagster_home=home, env=env)
