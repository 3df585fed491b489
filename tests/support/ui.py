"""The UI tests' shared parts: `filmstudio ui` started as a user starts it, its GraphQL, and tiny
renders for it to show (what the UI shows does not depend on the film's size)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import EXAMPLES, free_port, wait_for_http

TINY_SIZE = ("--width", "64", "--height", "64", "--fps", "8")


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


@contextmanager
def dagster_ui(film_home: Path, cwd: Path, *flags: str, env: dict | None = None) -> Iterator[tuple]:
    """`filmstudio ui FLAGS` on a free port, as a user starts it; yields (process, port). Its media
    server gets a free port too (the default 3001 may be taken), unless the test chose one with
    FILMSTUDIO_MEDIA_URL (its renders must write links to that port)."""
    port = free_port()
    env = {**{k: v for k, v in (env or os.environ).items() if k != "DAGSTER_HOME"}, "FILMSTUDIO_HOME": str(film_home)}
    env.setdefault("FILMSTUDIO_MEDIA_URL", f"http://127.0.0.1:{free_port()}")
    ui = subprocess.Popen(
        [sys.executable, "-m", "film_assets.cli", "ui", "--port", str(port), *flags],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/server_info", ui, timeout_s=120)
        yield ui, port
    finally:
        try:  # the code server, daemon and media server too, whatever happened above
            os.killpg(ui.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        ui.wait()


def tiny_render_args(out: Path, *flags: str, script: Path = EXAMPLES / "lighthouse.fountain") -> list[str]:
    """`filmstudio render` of a script at 64x64 and 8 fps, with --json."""
    return ["render", str(script), "--out", str(out), *TINY_SIZE, *flags, "--json"]


def render_tiny(run_cli, tmp_path, *flags: str, script=EXAMPLES / "lighthouse.fountain", exit_code=0) -> dict:
    """Render a script small; its JSON summary (exit_code: the exit status expected)."""
    rendered = run_cli(*tiny_render_args(tmp_path / "out", *flags, script=script))
    assert rendered.returncode == exit_code, rendered.stderr
    return json.loads(rendered.stdout)
