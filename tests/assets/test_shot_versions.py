"""Re-renders touch only what changed, and every take is kept: the CLI as a real process, a real
Dagster instance on disk, real storyboard renders and ffmpeg encodes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import opentimelineio as otio
import pytest
from dagster import DagsterInstance

from film_assets.domain.screenplay.fountain import parse_fountain
from film_assets.domain.shots.breakdown import break_down_shots
from film_assets.storage.shot_versions import ShotVersions
from resources.media_store import LocalMediaStore
from tests.conftest import EXAMPLES

PROJECT = "lighthouse"
SMALL = ("--width", "320", "--height", "180", "--fps", "8")
OLD_LINE, NEW_LINE = "It resets itself in ten minutes.", "It resets itself in twenty long minutes, give or take."


SCORE, MIX_WAV, MIX_AAC, SOUND_QC = (
    f"projects/{PROJECT}/{name}"
    for name in ("music_track/score.wav", "audio_mix/mix.wav", "audio_mix/mix.m4a", "final_cut/sound_qc.json")
)


def _aac_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(container.streams.audio[0]) if packet.size]


def _json(completed) -> dict | list:
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def _versions(run_cli, shot: str | None = None) -> list[dict]:
    return _json(run_cli("versions", PROJECT, "--json", *(("--shot", shot) if shot else ())))


def _in_cut(rows: list[dict]) -> dict[str, dict]:
    """Shot code -> the version row the latest final cut uses."""
    return {row["code"]: row for row in rows if row["in_final_cut"]}


def _media(film_home: Path, key: str) -> bytes:
    return (film_home / "media" / key).read_bytes()


@pytest.fixture
def rendered(run_cli, film_home, tmp_path):
    script = tmp_path / "lighthouse.fountain"
    script.write_text((EXAMPLES / "lighthouse.fountain").read_text())
    first = _json(run_cli("render", str(script), "--project", PROJECT, *SMALL, "--json"))
    assert (first["shots_rendered"], first["shots_reused"]) == (first["shots"], 0)
    return script, first


@pytest.mark.slow  # `rendered` renders a whole film
def test_one_changed_dialogue_line_rerenders_only_the_shots_covering_it(rendered, run_cli, film_home):
    script, first = rendered
    before = _in_cut(_versions(run_cli))
    assert len(before) == first["shots"] and all(row["version"] == "v001" for row in before.values())
    clips_before = {code: _media(film_home, row["clip_key"]) for code, row in before.items()}
    mix_before, sound_qc_before = _media(film_home, MIX_AAC), _media(film_home, SOUND_QC)

    text = script.read_text()
    assert text.count(OLD_LINE) == 1
    script.write_text(text.replace(OLD_LINE, NEW_LINE))
    edited = parse_fountain(script.read_text(), script.name)
    line = next(
        number for number, content in enumerate(script.read_text().splitlines(), start=1) if content == NEW_LINE
    )
    covering = {shot.code for shot in break_down_shots(edited, PROJECT) if any(d.line == line for d in shot.dialogue)}
    assert len(covering) == 1

    again = _json(run_cli("render", str(script), "--project", PROJECT, *SMALL, "--json"))
    assert (again["shots_rendered"], again["shots_reused"]) == (len(covering), first["shots"] - len(covering))
    after = _in_cut(_versions(run_cli))
    for code, row in after.items():
        if code in covering:
            assert (row["version"], row["reason"]) == ("v002", "changed")
            assert _media(film_home, row["clip_key"]) != clips_before[code]
        else:  # the very same take, byte for byte
            assert row["version"] == "v001" and _media(film_home, row["clip_key"]) == clips_before[code]
    # the line changed: the film's sound is mixed again and measured again in the delivered cut
    assert _media(film_home, MIX_AAC) != mix_before and _media(film_home, SOUND_QC) != sound_qc_before
    timeline = otio.adapters.read_from_file(again["timeline"])
    assert {clip.name: clip.metadata["film_assets"]["version"] for clip in timeline.find_clips()} == {
        code: row["version"] for code, row in after.items()
    }


@pytest.mark.slow  # `rendered` renders a whole film
def test_forced_rerender_makes_v002_and_keeps_v001(rendered, run_cli, film_home):
    _, first = rendered
    shot = "SQ020_SH020"
    [v001] = _versions(run_cli, shot)
    v001_clip = _media(film_home, v001["clip_key"])

    kept_sound = {key: (film_home / "media" / key).stat().st_mtime_ns for key in (SCORE, MIX_WAV, MIX_AAC, SOUND_QC)}

    forced = _json(run_cli("rerender", PROJECT, "--shots", shot, "--json"))
    assert (forced["shots_rendered"], forced["shots_reused"]) == (1, first["shots"] - 1)
    # no line, placement or scene changed: the score, the mix and its AAC are not made again, the
    # new cut carries that very AAC, and the QC's sound measures of that stream are not redone
    assert {key: (film_home / "media" / key).stat().st_mtime_ns for key in kept_sound} == kept_sound
    assert _aac_packets(Path(forced["final_cut"])) == _aac_packets(film_home / "media" / MIX_AAC)
    old, new = _versions(run_cli, shot)
    assert (old["version"], old["in_final_cut"], new["version"], new["reason"], new["in_final_cut"]) == (
        "v001",
        False,
        "v002",
        "forced",
        True,
    )
    assert _media(film_home, old["clip_key"]) == v001_clip  # the old take is kept as it was
    assert new["seed"] == old["seed"] and new["clip_key"] != old["clip_key"]

    reseeded = _json(run_cli("rerender", PROJECT, "--shots", shot, "--new-seed", "--json"))
    assert reseeded["shots_rendered"] == 1
    *_, v003 = _versions(run_cli, shot)
    assert (v003["version"], v003["in_final_cut"]) == ("v003", True) and v003["seed"] != old["seed"]

    # the new seed sticks: a plain re-render finds nothing changed and keeps v003 in the cut
    plain = _json(run_cli("rerender", PROJECT, "--json"))
    assert (plain["shots_rendered"], plain["shots_reused"]) == (0, first["shots"])
    assert [row["version"] for row in _versions(run_cli, shot) if row["in_final_cut"]] == ["v003"]


@pytest.mark.slow  # `rendered` renders a whole film
def test_two_rerenders_of_one_project_at_once_take_turns(rendered, film_home):
    """Two `filmstudio rerender` processes of one project started together: the second waits for
    the first (a lock per project), so they never pick the same version number."""
    shot = "SQ010_SH010"
    env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, "FILMSTUDIO_HOME": str(film_home)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "film_assets.cli", "rerender", PROJECT, "--shots", shot, "--json"],
            env=env,
            cwd=film_home.parent,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err[-2000:] for _, err in outputs]
    assert sum("waiting for it to end" in err for _, err in outputs) == 1
    runs = [json.loads(out)["run_id"] for out, _ in outputs]

    os.environ["DAGSTER_HOME"] = str(film_home / "dagster_home")
    try:
        with DagsterInstance.get() as instance:
            first, second = sorted((instance.get_run_record_by_id(run) for run in runs), key=lambda r: r.start_time)
    finally:
        del os.environ["DAGSTER_HOME"]
    assert second.start_time >= first.end_time
    assert [row["version"] for row in _versions_of(film_home, shot)] == ["v001", "v002", "v003"]


def _versions_of(film_home: Path, shot: str) -> list[dict]:
    store = LocalMediaStore(root=str(film_home / "media"))
    return ShotVersions(store, PROJECT).of(shot)


BAD_REQUESTS = [
    (("rerender", PROJECT, "--shots", "SQ990_SH990"), "no shots SQ990_SH990"),
    (("rerender", PROJECT, "--new-seed"), "--new-seed needs --shots"),
    (("rerender", "no-such-film"), "no project 'no-such-film'"),
    (("versions", PROJECT, "--shot", "SQ990_SH990"), "no shot SQ990_SH990"),
]


@pytest.mark.slow  # `rendered` renders a whole film
def test_bad_rerender_requests_are_refused_and_change_nothing(rendered, run_cli):
    before = _versions(run_cli)
    for args, message in BAD_REQUESTS:  # one render serves every case
        refused = run_cli(*args)
        assert refused.returncode == 2 and message in refused.stderr, (args, refused.stderr)
    assert _versions(run_cli) == before


def test_a_clip_only_change_makes_a_version_that_reuses_its_keyframe(tmp_path):
    """A new move over the same keyframe: a new version whose keyframe is the older version's file."""
    store = LocalMediaStore(root=str(tmp_path))
    versions = ShotVersions(store, "film", run_id="run-1")
    made = versions.add_keyframe("SQ010_SH010", b"png bytes", {"shot_key": "k1", "sha256": "s"}, "new")
    target, key = versions.clip_target(made, "clip-a")
    store.put_bytes(key, b"clip a")
    versions.complete_clip(target, {"key": key, "shot_key": "clip-a"}, "new")

    later = ShotVersions(store, "film", run_id="run-2")  # a later run reads what the first stored
    assert later.find("SQ010_SH010", "clip", "clip-a")["version"] == "v001"
    assert later.find("SQ010_SH010", "clip", "clip-b") is None
    target, key = later.clip_target(later.record("SQ010_SH010", "v001"), "clip-b")
    store.put_bytes(key, b"clip b")
    v002 = later.complete_clip(target, {"key": key, "shot_key": "clip-b"}, "changed")
    assert (v002["version"], v002["reason"], v002["keyframe"]["key"]) == ("v002", "changed", made["keyframe"]["key"])
    assert [r["version"] for r in ShotVersions(store, "film").of("SQ010_SH010")] == ["v001", "v002"]
    assert store.get_bytes(later.record("SQ010_SH010", "v001")["clip"]["key"]) == b"clip a"  # kept


def test_a_keyframes_catalog_thumbnail_is_kept_beside_it_and_read_back(tmp_path):
    """Re-renders show the reused shots' thumbnails from the kept JPEG, not from the keyframe."""
    import io

    from PIL import Image

    from film_assets.assets.catalog import THUMBNAIL_SIZE
    from film_assets.assets.picture import keyframe_thumbnail

    store = LocalMediaStore(root=str(tmp_path))
    image = Image.new("RGB", (1280, 720), (200, 40, 10))
    png = io.BytesIO()
    image.save(png, format="PNG")
    made = ShotVersions(store, "film").add_keyframe("SQ010_SH010", png.getvalue(), {"shot_key": "k"}, "new")
    keyframe = made["keyframe"]

    first = keyframe_thumbnail(store, keyframe, image)
    with Image.open(io.BytesIO(first)) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", THUMBNAIL_SIZE)
        assert abs(thumb.getpixel((5, 5))[0] - 200) < 8
    store.put_bytes(keyframe["key"], b"not an image")  # proves the kept thumbnail is what is read
    assert keyframe_thumbnail(store, keyframe) == first

    store.put_bytes(keyframe["key"], png.getvalue())
    store.delete(keyframe["key"].rsplit("/", 1)[0] + "/keyframe_thumb.jpg")  # a version kept before thumbnails
    assert keyframe_thumbnail(store, keyframe) == first
