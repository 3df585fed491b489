"""Each render shows the film in the catalog: a poster frame and a contact sheet of every shot,
stored as JPEGs beside the deliverables and linked from final_cut's metadata as pictures the UI
draws inline; links to the film, its subtitles, timeline and every take; and no data URI over
20 KB anywhere in the run's event log."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from PIL import Image

from film_assets.assets.catalog import INLINE_MARKDOWN_CHARS
from film_assets.domain.storyboard.contact_sheet import BORDER, cell_box, sheet_columns
from film_assets.domain.storyboard.palette import AMBER
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow  # renders a short film, then re-renders one shot

PROJECT = "lighthouse-sheet"
MEDIA_URL = "http://127.0.0.1:39999"  # nothing needs to listen: the links are only read here
DATA_URI_LIMIT = 20 * 1024
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<url>[^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]+)\)")
DATA_URI = re.compile(r"data:[\w/+.-]*(?:;[\w=.-]+)*,[A-Za-z0-9+/=%._~-]*")


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    """One project rendered small, then re-rendered with one shot forced to a new take; yields
    the Dagster instance, the media folder and both runs' ids."""
    from dagster import DagsterInstance

    home = tmp_path_factory.mktemp("film") / "home"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(FILMSTUDIO_HOME=str(home), FILMSTUDIO_MEDIA_URL=MEDIA_URL)

    def cli(*args: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "film_assets.cli", *args, "--json"],
            capture_output=True, text=True, env=env, timeout=300, cwd=home.parent,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    first = cli(
        "render", str(EXAMPLES / "lighthouse.fountain"), "--project", PROJECT, "--out", str(home.parent / "out"),
        "--width", "64", "--height", "64", "--fps", "8",
    )  # fmt: skip
    again = cli("rerender", PROJECT, "--shots", "SQ010_SH020", "--out", str(home.parent / "out2"))
    instance = DagsterInstance.from_config(str(home / "dagster_home"))
    yield {"instance": instance, "media": home / "media", "runs": (first["run_id"], again["run_id"])}
    instance.dispose()


def final_cut_metadata(instance, run_id: str) -> dict:
    from dagster import AssetKey, AssetRecordsFilter

    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("final_cut"), asset_partitions=[PROJECT]), limit=10
    ).records
    [record] = [r for r in records if r.run_id == run_id]
    return record.asset_materialization.metadata


def stored(film, url: str) -> bytes:
    """The file a local media link points at (the path after the media server's base URL)."""
    assert url.startswith(MEDIA_URL + "/"), url
    return (film["media"] / urlsplit(url).path.lstrip("/")).read_bytes()


def test_final_cut_shows_a_poster_and_a_contact_sheet_inline(film):
    metadata = final_cut_metadata(film["instance"], film["runs"][0])
    for name, words in (("poster", "poster"), ("contact_sheet", "contact sheet")):
        markdown = metadata[name].value
        assert len(markdown) < INLINE_MARKDOWN_CHARS  # the UI draws it inline only below this
        [image] = IMAGE.findall(markdown)
        alt, url = image
        assert words in alt and "THE LAST KEEPER" in alt, alt
        assert urlsplit(url).path == f"/projects/{PROJECT}/final_cut/{name}.jpg"
        with Image.open(io.BytesIO(stored(film, url))) as picture:
            assert picture.format == "JPEG" and picture.width > 0
    assert "18 shots, 18 new" in metadata["contact_sheet"].value  # a first render: every take is new


def test_final_cut_links_the_film_its_subtitles_timeline_and_every_take(film):
    metadata = final_cut_metadata(film["instance"], film["runs"][0])
    for name, file in (
        ("video_link", "final_cut.mp4"),
        ("subtitles_link", "final_cut.srt"),
        ("timeline_link", "timeline.otio"),
    ):
        assert type(metadata[name]).__name__ == "UrlMetadataValue"
        assert metadata[name].value == f"{MEDIA_URL}/projects/{PROJECT}/final_cut/{file}"
        assert stored(film, metadata[name].value)
    takes = LINK.findall(metadata["shot_clip_links"].value)
    versions = metadata["shot_versions"].value
    assert [label for label, _ in takes] == [f"{code} {version}" for code, version in versions.items()]
    for (label, url), code in zip(takes, versions, strict=True):
        assert urlsplit(url).path == f"/projects/{PROJECT}/shots/{code}/{versions[code]}/clip.mp4", label
        assert stored(film, url)[4:8] == b"ftyp"  # an MP4


def test_a_rerender_marks_only_the_new_take_on_the_contact_sheet(film):
    metadata = final_cut_metadata(film["instance"], film["runs"][1])
    assert "18 shots, 1 new" in metadata["contact_sheet"].value
    versions = list(metadata["shot_versions"].value.items())
    assert dict(versions)["SQ010_SH020"] == "v002"
    [(_, url)] = IMAGE.findall(metadata["contact_sheet"].value)
    with Image.open(io.BytesIO(stored(film, url))) as sheet:
        sheet = sheet.convert("RGB")
        columns = sheet_columns(len(versions))
        for index, (code, _) in enumerate(versions):
            box = cell_box(index, columns)
            frame = sheet.getpixel((box.left - BORDER // 2 - 1, (box.top + box.bottom) // 2))
            amber = all(abs(a - b) < 40 for a, b in zip(frame, AMBER, strict=True))
            assert amber == (code == "SQ010_SH020"), code


def test_keyframes_show_their_contact_sheet_instead_of_inline_thumbnails(film):
    from dagster import AssetKey, AssetRecordsFilter

    [record] = (
        film["instance"]
        .fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("keyframes"), asset_partitions=[PROJECT]), limit=1
        )
        .records
    )
    metadata = record.asset_materialization.metadata
    assert "thumbnails" not in metadata
    [(alt, url)] = IMAGE.findall(metadata["contact_sheet"].value)
    assert "contact sheet" in alt and "1 new" in alt  # the re-render drew one keyframe
    assert stored(film, url)[:2] == b"\xff\xd8"  # a JPEG


def large_data_uris(instance, run_id: str) -> list[str]:
    """Every data: URI over DATA_URI_LIMIT in the metadata of the run's events (asset
    materializations, observations and check results), named by event and entry."""
    found = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        specific = event.event_specific_data
        holders = [specific, getattr(specific, "materialization", None), getattr(specific, "asset_observation", None)]
        holders.append(getattr(specific, "asset_check_evaluation", None))
        for holder in holders:
            for name, value in (getattr(holder, "metadata", None) or {}).items():
                text = repr(value)  # every kind of metadata value spells its whole content
                found += [
                    f"{event.event_type_value} {name}: {len(uri)} chars"
                    for uri in DATA_URI.findall(text)
                    if len(uri) > DATA_URI_LIMIT
                ]
    return found


def test_no_data_uri_over_20_kb_lands_in_the_event_log(film):
    for run_id in film["runs"]:
        assert large_data_uris(film["instance"], run_id) == []


def test_the_event_log_scan_finds_a_large_data_uri():
    """The scan above can fail: an asset that puts a 30 KB data-URI image in markdown is caught."""
    import base64

    from dagster import DagsterInstance, MetadataValue, Output, asset, materialize

    picture = io.BytesIO()
    Image.effect_noise((160, 160), 80).save(picture, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(picture.getvalue()).decode()
    assert len(uri) > DATA_URI_LIMIT

    @asset
    def heavy():
        return Output(1, metadata={"thumbnails": MetadataValue.md(f"![shot]({uri})"), "small": "data:,x"})

    with DagsterInstance.ephemeral() as instance:
        result = materialize([heavy], instance=instance)
        found = large_data_uris(instance, result.run_id)  # the step's output event repeats the metadata
        assert f"ASSET_MATERIALIZATION thumbnails: {len(uri)} chars" in found
        assert all(entry.endswith(f"thumbnails: {len(uri)} chars") for entry in found), found
