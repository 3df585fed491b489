"""`filmstudio ui` opens Dagster's UI on the very runs and partitions `filmstudio render` made,
and stops on SIGTERM (dagster dev started from a script otherwise ignores it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from film_assets.asset_names import ASSET_NAMES
from tests.conftest import EXAMPLES, free_port, wait_for_http

pytestmark = pytest.mark.slow  # renders a film, then runs `dagster dev`


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def test_ui_shows_the_cli_runs_and_stops_on_sigterm(run_cli, film_home, tmp_path):
    rendered = run_cli(
        "render",
        str(EXAMPLES / "lighthouse.fountain"),
        "--out",
        str(tmp_path / "o"),
        "--width",
        "320",
        "--height",
        "180",
        "--fps",
        "8",
        "--json",
    )
    assert rendered.returncode == 0, rendered.stderr
    run_id = json.loads(rendered.stdout)["run_id"]

    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, "FILMSTUDIO_HOME": str(film_home)}
    ui = subprocess.Popen(
        [sys.executable, "-m", "film_assets.cli", "ui", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/server_info", ui, timeout_s=120)
        runs = graphql(port, "{ runsOrError { ... on Runs { results { runId jobName status } } } }")
        assert runs["runsOrError"]["results"] == [{"runId": run_id, "jobName": "render_film", "status": "SUCCESS"}]
        nodes = graphql(port, "{ assetNodes { assetKey { path } partitionKeys } }")["assetNodes"]
        assert {n["assetKey"]["path"][0] for n in nodes} == set(ASSET_NAMES)
        assert all(n["partitionKeys"] == ["the-last-keeper"] for n in nodes)

        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=30) is not None
    finally:
        try:  # the code server and daemon children too, whatever happened above
            os.killpg(ui.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        ui.wait()
