"""Shared fixtures: an isolated FILMSTUDIO_HOME per test, the CLI as a real process, and a moto
server on loopback standing in for S3 over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
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
