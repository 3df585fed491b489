"""`filmstudio render` turns a screenplay into a film through Dagster on embedded defaults: the
delivered files are probed as a player would read them, and the runs sit in the persistent
instance that `dagster dev` opens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus

from film_assets.asset_names import ASSET_NAMES
from tests.conftest import EXAMPLES
from tests.support.media_probe import probe

ASSETS = list(ASSET_NAMES)


def stored(home: Path, project: str, asset: str, name: str) -> Path:
    return home / "media" / "projects" / project / asset / name


def instance_at(home: Path) -> DagsterInstance:
    os.environ["DAGSTER_HOME"] = str(home / "dagster_home")
    try:
        return DagsterInstance.get()
    finally:
        del os.environ["DAGSTER_HOME"]


def srt_cues(path: Path) -> list[tuple[str, str]]:
    blocks = [b.splitlines() for b in path.read_text(encoding="utf-8").strip().split("\n\n")]
    return [(block[1], " ".join(block[2:])) for block in blocks]


@pytest.mark.slow  # renders whole films
def test_render_delivers_a_film_with_subtitles_and_timeline(run_cli, film_home, tmp_path):
    out = tmp_path / "delivery"
    result = run_cli("render", str(EXAMPLES / "lighthouse.fountain"), "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {
        "project",
        "scenes",
        "shots",
        "dialogue_lines",
        "duration_s",
        "final_cut",
        "subtitles",
        "timeline",
    } <= summary.keys()
    assert summary["project"] == "the-last-keeper"  # from the title page
    project = summary["project"]
    assert sorted(p.name for p in out.iterdir()) == ["final_cut.mp4", "final_cut.srt", "timeline.otio"]
    assert Path(summary["final_cut"]) == out / "final_cut.mp4"

    shots = pd.read_parquet(stored(film_home, project, "shot_list", "shot_list.parquet"))
    assert summary["shots"] == len(shots) and summary["scenes"] >= 4
    total_frames = int(shots["duration_frames"].sum())

    info = probe(out / "final_cut.mp4")
    assert (info["video_codec"], info["profile"], info["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (info["width"], info["height"], info["fps"]) == (1280, 720, 24)
    assert info["frames"] == total_frames
    assert info["video_duration_s"] == pytest.approx(total_frames / 24, abs=1 / 24)
    assert summary["duration_s"] == pytest.approx(total_frames / 24, abs=1 / 24)
    assert (info["audio_codec"], info["sample_rate"], info["channels"]) == ("aac", 48000, 2)
    assert info["audio_duration_s"] == pytest.approx(total_frames / 24, abs=1 / 24)
    assert info["faststart"]

    cues = srt_cues(out / "final_cut.srt")
    assert len(cues) == summary["dialogue_lines"] > 0
    timeline = otio.adapters.read_from_file(str(out / "timeline.otio"))
    clips = list(timeline.find_clips())
    assert [clip.name for clip in clips] == list(shots["code"])
    assert [clip.source_range.duration.value for clip in clips] == list(shots["duration_frames"])

    instance = instance_at(film_home)
    assert project in instance.get_dynamic_partitions("projects")
    runs = instance.get_runs()
    assert len(runs) == 1 and runs[0].status == DagsterRunStatus.SUCCESS and runs[0].job_name == "render_film"
    assert runs[0].tags["dagster/partition"] == project
    for asset in ASSETS:
        event = instance.get_latest_materialization_event(AssetKey(asset))
        assert event is not None and event.dagster_event.partition == project, asset


@pytest.mark.slow  # renders whole films
@pytest.mark.parametrize("fps, rate", [("12", Fraction(12)), ("23.976", Fraction(24000, 1001))])
def test_frame_size_and_rate_are_configurable(fps, rate, run_cli, film_home, tmp_path):
    out = tmp_path / "small"
    result = run_cli(
        "render",
        str(EXAMPLES / "lighthouse.fountain"),
        "--project",
        "lighthouse-small",
        "--out",
        str(out),
        "--width",
        "640",
        "--height",
        "360",
        "--fps",
        fps,
        "--json",
    )
    assert result.returncode == 0, result.stderr
    info = probe(out / "final_cut.mp4")
    assert (info["width"], info["height"], info["fps"]) == (640, 360, rate)
    frames = int(
        pd.read_parquet(stored(film_home, "lighthouse-small", "shot_list", "shot_list.parquet"))[
            "duration_frames"
        ].sum()
    )
    assert info["frames"] == frames
    assert info["video_duration_s"] == pytest.approx(float(frames / rate), abs=1e-3)
    assert json.loads(result.stdout)["project"] == "lighthouse-small"


@pytest.mark.slow  # renders whole films
def test_progress_is_shown_while_rendering(run_cli, tmp_path):
    result = run_cli(
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
    )
    assert result.returncode == 0, result.stderr
    for asset in ASSETS:
        assert f"{asset}: done" in result.stderr
    assert "shot_clips: 1/" in result.stderr
    assert "final_cut.mp4" in result.stdout


@pytest.mark.slow  # renders whole films
def test_same_script_gives_same_shots_and_identical_keyframes(tmp_path):
    homes = [tmp_path / "first", tmp_path / "second"]
    for home in homes:
        env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, "FILMSTUDIO_HOME": str(home)}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "film_assets.cli",
                "render",
                str(EXAMPLES / "night_shift.fountain"),
                "--out",
                str(home / "out"),
                "--width",
                "320",
                "--height",
                "180",
                "--fps",
                "8",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
    first, second = (pd.read_parquet(stored(h, "night-shift", "shot_list", "shot_list.parquet")) for h in homes)
    pd.testing.assert_frame_equal(first, second)
    codes = list(first["code"])
    for code in codes:
        a, b = (stored(h, "night-shift", "shots", f"{code}/v001/keyframe.png").read_bytes() for h in homes)
        assert a == b, f"keyframe {code} differs between renders"
    assert len(codes) > 10


BAD_INPUTS = {
    "empty": (b"", "line 1", "empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "line 1", "not a text screenplay"),
    "no_scene": (b"Title: Nothing Happens\n\nJust some words.\n\nMore words.\n", "line", "scene heading"),
    "lonely_dual": (b"INT. ROOM - DAY\n\nBOB ^\nHi.\n", "line 3", "dual-dialogue"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_screenplay_is_refused_with_its_line_and_nothing_written(case, run_cli, film_home, tmp_path):
    content, where, what = BAD_INPUTS[case]
    script = tmp_path / f"{case}.fountain"
    script.write_bytes(content)
    out = tmp_path / "out"
    result = run_cli("render", str(script), "--out", str(out))
    assert result.returncode == 2
    assert f"{case}.fountain {where}" in result.stderr and what in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not (film_home / "media").exists() and not (film_home / "dagster_home").exists()


@pytest.mark.parametrize("project", ["Night Shift", "a/b", "a,b", "-leading", ""])
def test_bad_project_id_is_refused_clearly(project, run_cli, film_home, tmp_path):
    result = run_cli(
        "render", str(EXAMPLES / "lighthouse.fountain"), f"--project={project}", "--out", str(tmp_path / "o")
    )
    assert result.returncode == 2
    assert "is not a slug" in result.stderr and "Traceback" not in result.stderr
    assert not (film_home / "dagster_home").exists()


@pytest.mark.slow  # two CLI processes: ~6 s
def test_missing_script_and_bad_frame_size_are_clear_errors(run_cli, tmp_path):
    missing = run_cli("render", str(tmp_path / "nope.fountain"))
    assert missing.returncode == 2 and "no such screenplay file" in missing.stderr
    odd = run_cli("render", str(EXAMPLES / "lighthouse.fountain"), "--width", "641")
    assert odd.returncode == 2 and "must be even" in odd.stderr


@pytest.mark.slow  # renders whole films
def test_crash_mid_render_leaves_only_whole_files_and_a_rerun_recovers(film_home, tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, "FILMSTUDIO_HOME": str(film_home)}
    command = [
        sys.executable,
        "-m",
        "film_assets.cli",
        "render",
        str(EXAMPLES / "night_shift.fountain"),
        "--out",
        str(tmp_path / "out"),
        "--width",
        "640",
        "--height",
        "360",
        "--fps",
        "24",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:  # wait until clips are being written, then pull the plug
        if "shot_clips: 1/" in line:
            time.sleep(0.3)
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    clips = sorted(stored(film_home, "night-shift", "shots", "").glob("*/v*/*.mp4"))  # shots/<code>/v001/clip.mp4
    finished = [c for c in clips if not c.name.startswith(".")]
    assert finished, "some shots should have finished before the crash"
    shots = pd.read_parquet(stored(film_home, "night-shift", "shot_list", "shot_list.parquet")).set_index("code")
    for clip in finished:
        code = clip.parent.parent.name
        assert probe(clip)["frames"] == shots.loc[code, "duration_frames"], f"{code}'s clip is not whole"
    assert not stored(film_home, "night-shift", "final_cut", "final_cut.mp4").exists()
    assert not (tmp_path / "out").exists()

    rerun = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert probe(tmp_path / "out" / "final_cut.mp4")["frames"] == int(shots["duration_frames"].sum())
    recorded = [clip for clip in finished if (clip.parent / "version.json").exists()]
    assert json.loads(rerun.stdout)["shots_reused"] >= len(recorded)  # finished shots are not rendered again


@pytest.mark.slow  # renders whole films
def test_voice_override_is_used_and_a_bad_one_refused_before_anything_is_written(run_cli, film_home, tmp_path):
    ok = run_cli(
        "render",
        str(EXAMPLES / "lighthouse.fountain"),
        "--project",
        "voices",
        "--out",
        str(tmp_path / "o"),
        "--width",
        "320",
        "--height",
        "180",
        "--fps",
        "8",
        "--voice",
        "TOMÁS=en-gb+f3",
    )
    assert ok.returncode == 0, ok.stderr
    track = json.loads(stored(film_home, "voices", "dialogue_track", "dialogue_track.json").read_text())
    assert {entry["voice_id"] for entry in track.values() if entry["character"] == "TOMÁS"} == {"en-gb+f3"}

    for override, message in (("NOBODY=en-us+m3", "no such speaking character"), ("TOMÁS=klingon+zz", "TOMÁS")):
        bad = run_cli(
            "render",
            str(EXAMPLES / "lighthouse.fountain"),
            "--project",
            "bad-voice",
            "--out",
            str(tmp_path / "bad"),
            "--voice",
            override,
        )
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
        assert not stored(film_home, "bad-voice", "submission", "").exists()
