"""Shared fixtures: an isolated FILMSTUDIO_HOME per test, the CLI as a real process, a moto
server on loopback standing in for S3 and SQS over HTTP, fresh Postgres databases, and the
service stack built from them (one factory each; see "service mode" below)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


def filmstudio_in(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`filmstudio ARGS` as its own process with FILMSTUDIO_HOME=home, the way a user runs it."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["FILMSTUDIO_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "film_assets.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=home.parent,
    )


@pytest.fixture
def run_cli(film_home):
    """Run `filmstudio ...` as its own process in this test's FILMSTUDIO_HOME."""

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return filmstudio_in(film_home, *args, timeout=timeout)

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
                raise RuntimeError(f"{url} did not come up (process exit code {process.poll()})") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto server in its own process on 127.0.0.1; boto3 reaches it over real HTTP."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
# One factory per real part, used by every test that needs it: `fresh_database` (Postgres),
# `new_bucket` and `moto_client` (the moto server), and `make_service_stack` (all of them together
# as the service profile sees them), at whatever scope a fixture wants.

# The Postgres that scripts/postgres.sh provides (the machine's own on 127.0.0.1:5432, trust auth).
POSTGRES_ADMIN_URL = os.environ.get(
    "FILMSTUDIO_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
# the same fake credentials, as environment variables and as boto3/S3Resource keyword arguments
AWS_TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}
MOTO_CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def admin_connection(admin_url: str = POSTGRES_ADMIN_URL):
    """An autocommit psycopg2 connection to the Postgres admin database, and its parsed URL."""
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    connection = psycopg2.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        connect_timeout=5,
    )
    connection.autocommit = True
    return connection, url


@contextmanager
def fresh_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A new, empty database (dropped afterwards); yields its URL, postgresql+psycopg2://..."""
    name = f"filmstudio_test_{uuid.uuid4().hex[:12]}"
    connection, url = admin_connection(admin_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        connection.close()
        # a new connection: a test may have restarted the server under the first one
        connection, _ = admin_connection(admin_url)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable Postgres, or a clear failure saying how to get one."""
    try:
        connection, _ = admin_connection(POSTGRES_ADMIN_URL)
    except Exception as error:  # noqa: BLE001 - any connection failure means the same thing here
        pytest.fail(
            f"no Postgres at {POSTGRES_ADMIN_URL} ({error}); run `bash scripts/postgres.sh` "
            "or set FILMSTUDIO_TEST_POSTGRES"
        )
    connection.close()
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """A fresh, empty database for one test (dropped afterwards): postgresql+psycopg2://..."""
    with fresh_database(postgres_server) as url:
        yield url


def moto_client(service: str, moto_endpoint: str):
    """A boto3 client for `service` ("s3", "sqs") on the moto server, with the test credentials."""
    import boto3

    return boto3.client(service, endpoint_url=moto_endpoint, **MOTO_CREDENTIALS)


def new_bucket(moto_endpoint: str, prefix: str = "media") -> str:
    """A new, empty bucket on the moto server; returns its name."""
    bucket = f"{prefix}-{uuid.uuid4().hex[:12]}"
    moto_client("s3", moto_endpoint).create_bucket(Bucket=bucket)
    return bucket


@dataclass
class ServiceStack:
    """The settings of one service profile, as `filmstudio up` would export them."""

    postgres_url: str
    endpoint: str
    bucket: str
    queue_url: str
    dlq_url: str
    dagster_home: Path
    env: dict

    def settings(self):
        from resources.profiles import ServiceSettings

        return ServiceSettings(
            postgres_url=self.postgres_url,
            bucket=self.bucket,
            queue_url=self.queue_url,
            dead_letter_queue_url=self.dlq_url,
            endpoint_url=self.endpoint,
        )

    def instance(self):
        from film_assets.runs.service_instance import service_instance

        return service_instance(self.dagster_home, self.postgres_url)

    def sqs(self):
        return moto_client("sqs", self.endpoint)

    def s3(self):
        return moto_client("s3", self.endpoint)


@contextmanager
def make_service_stack(
    folder: Path,
    postgres_admin: str,
    moto_endpoint: str,
    *,
    visibility_timeout_s: int = 4,
    film_home: Path | None = None,
) -> Iterator[ServiceStack]:
    """The one way the tests build a service stack, at any scope: a fresh Postgres database, a
    bucket and a queue pair (with its dead-letter queue) on the moto server, a service
    DAGSTER_HOME under `folder`, and this process's environment set to the service profile while
    the context lasts (child processes inherit it; the in-process Dagster instance reads it).

    visibility_timeout_s: 4 s by default, so a test sees redelivery in seconds; a stack whose
    queue nothing but the tests consumes wants a long one, so a message one test has read does
    not come back to the next. film_home: the FILMSTUDIO_HOME to export (default folder/filmstudio_home)."""
    from film_assets.runs.service_instance import write_service_home
    from resources.queue import ensure_queues

    with fresh_database(postgres_admin) as postgres_url:
        bucket = new_bucket(moto_endpoint)
        queue_url, dlq_url = ensure_queues(
            moto_client("sqs", moto_endpoint),
            f"renders-{uuid.uuid4().hex[:10]}",
            visibility_timeout_s=visibility_timeout_s,
        )
        home = write_service_home(folder / "dagster_home")
        env = {
            **AWS_TEST_CREDENTIALS,
            "FILMSTUDIO_PROFILE": "service",
            "FILMSTUDIO_POSTGRES_URL": postgres_url,
            "FILMSTUDIO_BUCKET": bucket,
            "FILMSTUDIO_QUEUE_URL": queue_url,
            "FILMSTUDIO_DLQ_URL": dlq_url,
            "AWS_ENDPOINT_URL": moto_endpoint,
            "DAGSTER_HOME": str(home),
            "FILMSTUDIO_MAX_CONCURRENT_RUNS": "2",
            "FILMSTUDIO_SENSOR_INTERVAL": "1",
            "FILMSTUDIO_HOME": str(film_home or folder / "filmstudio_home"),
        }
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            yield ServiceStack(
                postgres_url=postgres_url,
                endpoint=moto_endpoint,
                bucket=bucket,
                queue_url=queue_url,
                dlq_url=dlq_url,
                dagster_home=home,
                env=env,
            )


@pytest.fixture
def service_stack(tmp_path, postgres_server, moto_endpoint, film_home) -> Iterator[ServiceStack]:
    """A service stack for one test (its queue's visibility timeout 4 s), on this test's FILMSTUDIO_HOME."""
    with make_service_stack(tmp_path / "service_stack", postgres_server, moto_endpoint, film_home=film_home) as stack:
        yield stack


@pytest.fixture(scope="module")
def module_service_stack(tmp_path_factory, postgres_server, moto_endpoint) -> Iterator[ServiceStack]:
    """A service stack shared by one module's tests (one real render and one server start per
    module, not per test). Nothing consumes its queue but the tests: its visibility timeout is long."""
    with make_service_stack(
        tmp_path_factory.mktemp("module-stack"), postgres_server, moto_endpoint, visibility_timeout_s=300
    ) as stack:
        yield stack
