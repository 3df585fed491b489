"""`filmstudio ui` serves the media folder read-only on loopback beside the Dagster UI, so the
pictures and links the catalog shows open in a browser: the poster and contact sheet the UI's
GraphQL hands out load as JPEGs, the film answers a byte range with 206 (a <video> can seek),
nothing outside the media folder is reachable, no folder is listed, and the server stops with
the UI."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.conftest import free_port
from tests.support.ui import dagster_ui, graphql, tiny_render_args

pytestmark = pytest.mark.slow  # renders a film, then runs `dagster dev`

PROJECT = "lighthouse-media"
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<url>[^)\s]+)\)")


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """A film rendered small, then `filmstudio ui --media-port` on it, as a user starts them (the
    render told the media server's URL by FILMSTUDIO_MEDIA_URL); yields ports and the home."""
    root = tmp_path_factory.mktemp("ui-media")
    home, media_port = root / "home", free_port()
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(FILMSTUDIO_HOME=str(home), FILMSTUDIO_MEDIA_URL=f"http://127.0.0.1:{media_port}")
    rendered = subprocess.run(
        [sys.executable, "-m", "film_assets.cli", *tiny_render_args(root / "out", "--project", PROJECT)],
        capture_output=True, text=True, env=env, timeout=300, cwd=root,
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    with dagster_ui(home, root, "--media-port", str(media_port), env=env) as (process, port):
        yield {"process": process, "port": port, "media_port": media_port, "home": home}


def final_cut_entries(port: int) -> dict:
    query = (
        f'{{ assetNodes(assetKeys: [{{path: ["final_cut"]}}]) {{ assetMaterializations(partitions: ["{PROJECT}"], '
        "limit: 1) { metadataEntries { label __typename ... on MarkdownMetadataEntry { mdStr } "
        "... on UrlMetadataEntry { url } } } } }"
    )
    [node] = graphql(port, query)["assetNodes"]
    [materialization] = node["assetMaterializations"]
    return {entry["label"]: entry for entry in materialization["metadataEntries"]}


def get(url: str, headers: dict | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
        return answer.status, dict(answer.headers), answer.read()


def raw_status(port: int, path: str) -> int:
    """The status of a GET for path exactly as written (urllib would tidy '..' away)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_pictures_the_ui_shows_load_from_the_media_server(ui):
    entries = final_cut_entries(ui["port"])
    for label, words in (("poster", "poster"), ("contact_sheet", "contact sheet")):
        assert entries[label]["__typename"] == "MarkdownMetadataEntry"
        markdown = entries[label]["mdStr"]
        assert len(markdown) < 1000  # below this the UI draws it inline, not behind [Show Markdown]
        [(alt, url)] = IMAGE.findall(markdown)
        assert words in alt and urlsplit(url).port == ui["media_port"], url
        status, headers, body = get(url)
        assert (status, headers["content-type"], body[:2]) == (200, "image/jpeg", b"\xff\xd8")


def test_the_film_plays_and_seeks_and_the_text_files_show_in_the_browser(ui):
    entries = final_cut_entries(ui["port"])
    video = entries["video_link"]["url"]
    status, headers, body = get(video, {"Range": "bytes=100-1099"})
    assert (status, headers["content-type"], len(body)) == (206, "video/mp4", 1000)
    total = int(headers["content-range"].rsplit("/", 1)[1])
    assert headers["content-range"] == f"bytes 100-1099/{total}" and total > 10_000
    status, headers, body = get(entries["subtitles_link"]["url"])
    assert status == 200 and headers["content-type"].startswith("text/plain") and b"-->" in body
    status, headers, body = get(entries["timeline_link"]["url"])
    assert status == 200 and json.loads(body)["OTIO_SCHEMA"].startswith("Timeline")


def test_nothing_outside_the_media_folder_is_served_and_no_folder_is_listed(ui):
    port, home = ui["media_port"], ui["home"]
    assert (home / "dagster_home" / "dagster.yaml").is_file()  # it exists, one folder up from media
    assert raw_status(port, f"/projects/{PROJECT}/final_cut/poster.jpg") == 200
    for path in (
        "/../dagster_home/dagster.yaml",
        f"/projects/{PROJECT}/../../../dagster_home/dagster.yaml",
        "/%2e%2e/dagster_home/dagster.yaml",
        "/..%2fdagster_home%2fdagster.yaml",
        "/",
        f"/projects/{PROJECT}/final_cut/",
    ):
        assert raw_status(port, path) in (400, 404), path
    post = urllib.request.Request(f"http://127.0.0.1:{port}/projects/{PROJECT}/final_cut/poster.jpg", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(post, timeout=10)
    assert refused.value.code == 405


def test_the_media_server_stops_with_the_ui(ui):
    ui["process"].send_signal(signal.SIGTERM)
    assert ui["process"].wait(timeout=30) is not None
    deadline = time.monotonic() + 10
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", ui["media_port"])) != 0:
                break
        assert time.monotonic() < deadline, "the media server outlived the UI"
        time.sleep(0.2)


def test_a_media_port_another_program_holds_is_reported(tmp_path):
    """`filmstudio ui` says the port is taken and starts no media server there, instead of taking
    the other program's answer for its own."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["FILMSTUDIO_HOME"] = str(tmp_path / "home")
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        ui = subprocess.Popen(
            [sys.executable, "-m", "film_assets.cli", "ui", "--port", str(free_port()), "--media-port", str(taken)],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            said = []
            reader = threading.Thread(target=lambda: said.extend(iter(ui.stderr.readline, "")), daemon=True)
            reader.start()
            deadline = time.monotonic() + 60
            while not any("is taken" in line for line in said) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert any(f"127.0.0.1:{taken} is taken by another program" in line for line in said), said
            assert not any(line.startswith("Media on") for line in said)
        finally:
            os.killpg(ui.pid, signal.SIGKILL)
            ui.wait()
