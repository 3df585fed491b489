"""Dailies: the takes to look at, chosen by review state and date, made into a stored reel of a
tiny film rendered for real (slates, burn-ins, contact sheet and its record), frame-exact."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import av
import pytest
from PIL import Image

from film_assets.review.dailies import latest_dailies, make_dailies, select_takes
from film_assets.storage.shot_history import version_rows
from resources.media_store import LocalMediaStore
from resources.profiles import current_environment, media_store_for
from tests.support.ui import tiny_render_args

TITLE = "The Last Keeper"


def row(code: str, version: str, created_at: str = "2026-12-07T04:51:33+00:00") -> dict:
    return {"code": code, "version": version, "created_at": created_at, "frames": 8}


ROWS = [
    row("SQ010_SH010", "v001", "2026-12-01T10:00:00+00:00"),
    row("SQ010_SH010", "v002", "2026-12-05T10:00:00+00:00"),
    row("SQ010_SH020", "v001", "2026-12-01T10:00:00+00:00"),
    row("SQ020_SH010", "v001", "2026-12-06T10:00:00+00:00"),
]
STATES = {("SQ010_SH010", "v001"): "rejected", ("SQ010_SH020", "v001"): "approved"}


def chosen(takes: list[dict]) -> list[tuple[str, str]]:
    return [(take["code"], take["version"]) for take in takes]


def test_every_take_is_chosen_with_its_review_state():
    takes = select_takes(ROWS, STATES)
    assert chosen(takes) == chosen(ROWS)
    assert [take["state"] for take in takes] == ["rejected", "pending", "approved", "pending"]


def test_unreviewed_leaves_out_reviewed_takes():
    assert chosen(select_takes(ROWS, STATES, unreviewed=True)) == [("SQ010_SH010", "v002"), ("SQ020_SH010", "v001")]


def test_since_keeps_takes_made_at_or_after_it_and_combines_with_unreviewed():
    since = datetime(2026, 12, 5, 10, tzinfo=UTC)
    assert chosen(select_takes(ROWS, STATES, since=since)) == [("SQ010_SH010", "v002"), ("SQ020_SH010", "v001")]
    later = datetime(2026, 12, 6, 9)  # no zone: UTC
    assert chosen(select_takes(ROWS, STATES, unreviewed=True, since=later)) == [("SQ020_SH010", "v001")]


def test_a_filter_that_leaves_nothing_says_which():
    with pytest.raises(ValueError, match=r"no takes to review: .*made at or after 2027"):
        select_takes(ROWS, STATES, since=datetime(2027, 1, 1, tzinfo=UTC))
    reviewed = {(r["code"], r["version"]): "approved" for r in ROWS}
    with pytest.raises(ValueError, match=r"no takes to review: all 4 takes have been reviewed"):
        select_takes(ROWS, reviewed, unreviewed=True)
    with pytest.raises(ValueError, match=r"no takes to review: the project has no complete takes"):
        select_takes([], {})


# a tiny film, rendered once for the tests below through the CLI, as a user renders it


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    """(store, project, rows) of lighthouse.fountain rendered at 64x64, 8 fps."""
    home = tmp_path_factory.mktemp("dailies") / "filmstudio-home"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {"FILMSTUDIO_HOME": str(home)}
    rendered = subprocess.run(
        [sys.executable, "-m", "film_assets.cli", *tiny_render_args(home.parent / "out")],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.parent,
        timeout=300,
    )
    assert rendered.returncode == 0, rendered.stderr
    project = json.loads(rendered.stdout)["project"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FILMSTUDIO_HOME", str(home))
        patch.delenv("DAGSTER_HOME", raising=False)
        store = media_store_for(current_environment())
    return store, project, version_rows(store, project)


def reviewed(rows: list[dict]) -> dict[tuple[str, str], str]:
    """The first take approved, the third rejected, the fifth sent back for changes."""
    marks = {0: "approved", 2: "rejected", 4: "changes_requested"}
    return {(rows[i]["code"], rows[i]["version"]): state for i, state in marks.items()}


def decoded_frames(store, key: str) -> int:
    with store.reading(key) as path, av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_unreviewed_dailies_of_a_rendered_film_leave_out_its_reviewed_takes(film):
    _, _, rows = film
    states = reviewed(rows)
    takes = select_takes(rows, states, unreviewed=True)
    assert len(takes) == len(rows) - 3
    assert not set(chosen(takes)) & set(states)
    with pytest.raises(ValueError, match="no takes to review"):
        select_takes(rows, states, since=datetime.now(UTC) + timedelta(days=1))


def test_dailies_store_a_frame_exact_reel_a_contact_sheet_and_a_record(film):
    store, project, rows = film
    states = reviewed(rows)
    takes = select_takes(rows, states)
    messages: list[str] = []
    reel = make_dailies(store, project, takes, states, TITLE, messages.append)

    scenes = sorted({row["code"].split("_")[0] for row in rows})
    assert (reel.take_count, reel.slate_count) == (len(rows), len(scenes))
    record = json.loads(store.get_bytes(reel.record_key))
    slate_frames = sum(slate["frames"] for slate in record["slates"])
    take_frames = sum(row["frames"] for row in rows)
    assert reel.frames == take_frames + slate_frames == decoded_frames(store, reel.video_key)
    assert reel.video_key == f"projects/{project}/dailies/{reel.reel}/dailies.mp4"
    assert store.exists(reel.contact_sheet_key) and Image.open(io.BytesIO(store.get_bytes(reel.contact_sheet_key)))
    assert messages and messages[-1].endswith("dailies.json")

    # the record: takes in reel order (scene, code, version) under their slates, back to back
    assert [slate["scene"] for slate in record["slates"]] == scenes
    assert [take["code"] for take in record["takes"]] == sorted(row["code"] for row in rows)
    assert record["slates"][0]["heading"].startswith("EXT. ") and record["slates"][0]["start_frame"] == 0
    segments = sorted(record["slates"] + record["takes"], key=lambda part: part["start_frame"])
    assert all(a["start_frame"] + a["frames"] == b["start_frame"] for a, b in zip(segments, segments[1:]))
    first = record["takes"][0]
    assert first["state"] == "approved" and first["burn_in"]["state"] == "approved"
    assert {"code", "version", "reason", "model", "seed", "date"} <= first["burn_in"].keys()
    assert record["filter"] == {"unreviewed": False, "since": None} and record["made_at"]


def test_the_newest_reel_is_the_latest_and_records_its_filter(film):
    store, project, rows = film
    states = reviewed(rows)
    takes = select_takes(rows, states, unreviewed=True)
    made_at = datetime.now(UTC) + timedelta(hours=1)  # after any reel the other tests made
    reel = make_dailies(store, project, takes, states, TITLE, unreviewed=True, now=made_at)
    latest = latest_dailies(store, project)
    assert latest["reel"] == reel.reel == made_at.strftime("%Y%m%dT%H%M%SZ")
    assert latest == json.loads(store.get_bytes(reel.record_key))
    assert latest["filter"]["unreviewed"] is True
    assert {take["state"] for take in latest["takes"]} == {"pending"}
    assert reel.take_count == len(rows) - 3
    again = make_dailies(store, project, takes, states, TITLE, unreviewed=True, now=made_at)
    assert again.reel == f"{reel.reel}-2", "a reel made in the same second keeps its own folder"
    assert latest_dailies(store, project)["reel"] == again.reel


def test_a_project_without_dailies_has_no_latest(tmp_path):
    assert latest_dailies(LocalMediaStore(root=str(tmp_path)), "the-last-keeper") is None


def test_an_empty_selection_makes_no_reel(film):
    store, project, _ = film
    with pytest.raises(ValueError, match="no takes to review"):
        make_dailies(store, project, [], {}, TITLE)
