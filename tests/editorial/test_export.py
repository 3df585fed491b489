"""`filmstudio export` as a user runs it, on three small films rendered for real at 24, 25 and 23.976
fps: every format is read back with OpenTimelineIO's own adapter (an AAF also with pyaaf2) and
compared to the cut frame by frame, where the cut is what the final cut stored and the frames are
counted in the exported clips themselves (FCPXML's times also read as exact seconds with no adapter);
the clips, the mix and the subtitles are in the folder and the zip; a project never rendered and an
unknown format exit 2 and write nothing."""

from __future__ import annotations

import json
import subprocess
import zipfile
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import av
import opentimelineio as otio
import pytest

from film_assets.editorial.adapters import read_timeline
from film_assets.editorial.formats import FORMATS
from tests.conftest import filmstudio_in
from tests.support.api_helpers import TINY_FILM
from tests.support.ui import tiny_render_args

pytestmark = pytest.mark.slow  # renders three small films (a few seconds each)

RATES = {"24": Fraction(24), "25": Fraction(25), "23.976": Fraction(24000, 1001)}
TIMELINES = {"otio": "otio", "edl": "edl", "fcp7": "xml", "fcpx": "fcpxml", "aaf": "aaf"}
EXACT = [(fps, name) for fps in RATES for name in TIMELINES]


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    """One FILMSTUDIO_HOME with the same short film rendered at each rate (64x64)."""
    root = tmp_path_factory.mktemp("editorial")
    home, script = root / "filmstudio-home", root / "night-shift.fountain"
    script.write_text(TINY_FILM)
    projects = {}
    for fps in RATES:
        project = "tiny-" + fps.replace(".", "")
        rendered = filmstudio_in(
            home, *tiny_render_args(root / "renders", "--project", project, "--fps", fps, script=script)
        )
        assert rendered.returncode == 0, rendered.stderr
        projects[fps] = project
    return {"home": home, "root": root, "projects": projects}


def _export(films, fps: str, name: str, out: Path, *flags: str) -> subprocess.CompletedProcess:
    return filmstudio_in(films["home"], "export", films["projects"][fps], "--format", name, "--out", str(out), *flags)


def _stored_cut(films, project: str) -> list[tuple[str, str]]:
    """(shot code, take) in film order, as the final cut stored them."""
    manifest = films["home"] / "media" / "projects" / project / "final_cut" / "final_cut.json"
    return list(json.loads(manifest.read_text())["shot_versions"].items())


def _frames_in(clip: Path) -> int:
    with av.open(str(clip)) as container:
        return sum(1 for _ in container.decode(video=0))


def _read(timeline: Path, name: str, fps: Fraction):
    """The timeline as its adapter reads it (FCPXML's with the exact timing the export installs)."""
    return read_timeline(FORMATS[name], timeline, fps)


def _fcpxml_spine(timeline: Path) -> list[tuple[str, Fraction, Fraction]]:
    """(name, offset, duration) of every spine clip in exact seconds, read with no adapter at all:
    what Final Cut Pro reads."""
    seconds = lambda value: Fraction(value.removesuffix("s"))  # noqa: E731
    spine = ElementTree.parse(timeline).getroot().find("./project/sequence/spine")
    return [(c.get("name"), seconds(c.get("offset")), seconds(c.get("duration"))) for c in spine.findall("clip")]


def _at(time: otio.opentime.RationalTime, fps: Fraction) -> float:
    assert time.rate == pytest.approx(float(fps), abs=1e-9), f"read back at {time.rate} fps"
    return time.value


@pytest.mark.parametrize("fps, name", EXACT)
def test_every_export_reads_back_as_the_cut_to_the_frame(films, tmp_path, fps, name):
    project, rate = films["projects"][fps], RATES[fps]
    done = _export(films, fps, name, tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    folder = tmp_path / f"{project}-{name}"
    assert Path(report["path"]) == folder and report["readback"]["fps"] == str(rate)

    cut = _stored_cut(films, project)
    names = [f"{code}_{version}" for code, version in cut]
    frames = [_frames_in(folder / "media" / f"{clip}.mp4") for clip in names]  # what the takes really hold
    timeline = _read(folder / f"{project}.{TIMELINES[name]}", name, rate)  # held: its clips live in it
    [video] = [track for track in timeline.tracks if track.kind == otio.schema.TrackKind.Video]
    clips = video.find_clips()
    assert [clip.name for clip in clips] == names
    start = 0
    for clip, length in zip(clips, frames):
        source, record = clip.source_range, clip.range_in_parent()
        assert (_at(source.start_time, rate), _at(source.duration, rate)) == (0, length), clip.name
        assert (_at(record.start_time, rate), _at(record.duration, rate)) == (start, length), clip.name
        assert clip.media_reference.target_url.removeprefix("file://") == f"media/{clip.name}.mp4"
        start += length
    assert report["readback"]["frames"] == start == sum(frames)
    if name == "fcpx":  # FCPXML keeps rational seconds: each clip starts and lasts whole frames, exactly
        starts = [sum(frames[:i]) for i in range(len(frames))]
        expected = [(n, first / rate, length / rate) for n, first, length in zip(names, starts, frames)]
        assert _fcpxml_spine(folder / f"{project}.fcpxml") == expected
    print(f"{name} at {fps} fps: {len(clips)} shots, {start} frames, read with {report['readback']['read_with']}")

    held = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert held == sorted(
        [f"{project}.{TIMELINES[name]}", f"{project}.srt", "media/mix.wav"] + [f"media/{n}.mp4" for n in names]
    )
    assert (folder / f"{project}.srt").read_text().startswith("1\n")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no work folder left behind


def test_the_zip_holds_what_the_folder_does(films, tmp_path):
    done = _export(films, "24", "fcp7", tmp_path / "folder")
    zipped = _export(films, "24", "fcp7", tmp_path / "zip", "--zip")
    assert done.returncode == 0 and zipped.returncode == 0, done.stderr + zipped.stderr
    project = films["projects"]["24"]
    folder = tmp_path / "folder" / f"{project}-fcp7"
    with zipfile.ZipFile(tmp_path / "zip" / f"{project}-fcp7.zip") as archive:
        held = {n: archive.read(n) for n in archive.namelist()}
    assert held == {
        f"{project}-fcp7/{p.relative_to(folder).as_posix()}": p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    assert list((tmp_path / "zip").iterdir()) == [tmp_path / "zip" / f"{project}-fcp7.zip"]


def test_each_clip_carries_its_prompt_seed_model_and_script_line(films, tmp_path):
    import aaf2

    project = films["projects"]["25"]
    for name in TIMELINES:
        assert _export(films, "25", name, tmp_path).returncode == 0
    shot_list = films["home"] / "media" / "projects" / project / "shot_list" / "shot_list.parquet"
    import pandas as pd

    first = pd.read_parquet(shot_list).iloc[0]
    seed, line = str(first["seed"]), str(first["source_line"])

    timelines = {  # held: their clips live in them
        name: _read(tmp_path / f"{project}-{name}" / f"{project}.{TIMELINES[name]}", name, RATES["25"])
        for name in ("otio", "edl", "fcp7")
    }
    clip = timelines["otio"].find_clips()[0]
    lineage = clip.metadata["film_assets"]
    assert (lineage["prompt"], str(lineage["seed"]), str(lineage["source_line"])) == (first["prompt"], seed, line)
    assert lineage["model"] and clip.markers[0].metadata["film_assets"]["script_line"] == first["source_line"]

    comments = timelines["edl"].find_clips()[0].metadata["cmx_3600"]["comments"]
    assert f"SEED: {seed}" in comments and f"SCRIPT LINE: {line}" in comments
    assert any(c.startswith("PROMPT: ") and c[8:] == " ".join(first["prompt"].split()) for c in comments)

    logged = timelines["fcp7"].find_clips()[0].metadata["fcp_xml"]["logginginfo"]
    assert logged["description"] == " ".join(first["prompt"].split()) and f"seed {seed}" in logged["lognote"]

    fcpx = (tmp_path / f"{project}-fcpx" / f"{project}.fcpxml").read_text()
    assert f"seed {seed}; model " in fcpx and f"script line {line}" in fcpx

    with aaf2.open(str(tmp_path / f"{project}-aaf" / f"{project}.aaf")) as aaf:
        [composition] = aaf.content.toplevel()
        [v1] = [slot for slot in composition.slots if slot.name == "V1"]
        comments = dict(v1.segment.components[0].mob.comments.items())
    assert (comments["Seed"], comments["Script line"]) == (seed, line) and comments["Model"]


@pytest.mark.parametrize(
    "args, words",
    [
        (("never-rendered", "--format", "edl"), "has no final cut"),
        (("{project}", "--format", "premiere"), "invalid choice: 'premiere'"),
    ],
)
def test_what_cannot_be_exported_exits_2_and_writes_nothing(films, tmp_path, args, words):
    args = [arg.format(project=films["projects"]["24"]) for arg in args]
    for flags in ((), ("--zip",)):
        done = filmstudio_in(films["home"], "export", *args, "--out", str(tmp_path / "out"), *flags)
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
