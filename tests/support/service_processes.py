"""The service stack's processes for end-to-end tests: the real dagster-daemon (sensor ticks,
run queue, run launcher) and the real API under uvicorn, each in its own process group so a test
can stop or crash it (SIGKILL) like an operator or the kernel would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port, wait_for_http


def _default_signals() -> None:
    # a test runner may start us with SIGINT ignored; dagster processes then ignore SIGTERM too
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


class ServiceProcess:
    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_default_signals,
        )

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 20) -> None:
        """Signal the whole process group (code servers and run workers too) and wait."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        try:  # children left in the group (a crash leaves run workers behind)
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()

    def crash(self) -> None:
        """What a node loss or OOM kill does: SIGKILL, no cleanup."""
        self.stop(signal.SIGKILL)


@contextmanager
def dagster_daemon(env: dict, log_dir: Path, **extra_env: str):
    daemon = Path(sys.executable).with_name("dagster-daemon")  # the console script of this environment
    process = ServiceProcess(
        "dagster-daemon",
        [str(daemon), "run", "-m", "film_assets.definitions"],
        {**os.environ, **env, **extra_env},
        log_dir,
    )
    try:
        yield process
    finally:
        process.stop()


@contextmanager
def api_server(env: dict, log_dir: Path, **extra_env: str):
    port = free_port()
    process = ServiceProcess(
        "api",
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
        {**os.environ, **env, **extra_env},
        log_dir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health", process.process, timeout_s=60)
        yield url
    finally:
        process.stop()


def wait_until(predicate, timeout_s: float, what: str, process: ServiceProcess | None = None, every_s: float = 0.5):
    """Poll predicate until it returns something truthy; fail naming what was awaited."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if process is not None and process.process.poll() is not None:
            raise AssertionError(
                f"{process.name} exited ({process.process.returncode}) while waiting for {what}:\n{process.log_tail()}"
            )
        if time.monotonic() > deadline:
            tail = f"\n{process.name} log:\n{process.log_tail()}" if process else ""
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}{tail}")
        time.sleep(every_s)
