"""The read-back check itself, on timelines written by the real adapters for a cut made here (no
render): an export that reads back as the cut passes, and one whose shot is a single frame short,
whose clip lost its media, whose shots swapped places, or that the adapter cannot read at all fails
naming what differs."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import pytest

from film_assets.domain.shots.breakdown import Shot
from film_assets.editorial.adapters import write_timeline
from film_assets.editorial.clips import MIX_FILE, clip_path, export_timeline, for_format
from film_assets.editorial.cut import CutTake, EditorialCut
from film_assets.editorial.formats import FORMATS
from film_assets.editorial.readback import ReadbackMismatch, read_back

SHOT = Shot(
    code="SQ010_SH010",
    sequence=10,
    number=10,
    scene_index=0,
    scene_number="1",
    scene_heading="INT. DINER - NIGHT",
    int_ext="INT",
    location="DINER",
    time_of_day="NIGHT",
    shot_type="action",
    duration_frames=37,
    duration_s=1.5,
    start_s=0.0,
    prompt="rain on the windows of a diner at night",
    seed=123,
    characters=("WREN",),
    camera_move="push_in",
    caption="",
    source_line=5,
)


def _cut(fps: Fraction) -> EditorialCut:
    lengths = {"SQ010_SH010": 37, "SQ010_SH020": 50, "SQ020_SH010": 61}
    takes = tuple(
        CutTake(replace(SHOT, code=code, duration_frames=frames, fps=float(fps)), version, f"k/{code}", "storyboard v1")
        for (code, frames), version in zip(lengths.items(), ("v001", "v002", "v001"))
    )
    return EditorialCut("diner", "Night Shift", fps, takes, "k/mix.wav", "k/final_cut.srt")


def _written(tmp_path: Path, cut: EditorialCut, name: str) -> Path:
    export_format = FORMATS[name]
    for relative in [clip_path(take) for take in cut.takes] + [MIX_FILE]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"media")
    path = tmp_path / f"diner.{export_format.extension}"
    write_timeline(export_format, for_format(export_timeline(cut), cut, name), path)
    return path


@pytest.mark.parametrize("fps", [Fraction(24), Fraction(25), Fraction(24000, 1001)])
@pytest.mark.parametrize("name", list(FORMATS))
def test_an_export_of_the_cut_reads_back_as_the_cut(tmp_path, name, fps):
    cut = _cut(fps)
    readback = read_back(FORMATS[name], _written(tmp_path, cut, name), cut)
    assert [(c.name, c.record_in, c.record_out) for c in readback.clips] == [
        ("SQ010_SH010_v001", 0, 37),
        ("SQ010_SH020_v002", 37, 87),
        ("SQ020_SH010_v001", 87, 148),
    ]
    assert readback.mix_frames == (None if name == "edl" else 148)


def test_a_shot_one_frame_short_is_caught(tmp_path):
    cut = _cut(Fraction(24))
    path = _written(tmp_path, cut, "edl")
    # the last event one frame shorter, source and record alike (a well-formed EDL, a wrong cut)
    edl = path.read_text()
    assert "00:00:02:13 00:00:03:15 00:00:06:04" in edl
    path.write_text(edl.replace("00:00:02:13 00:00:03:15 00:00:06:04", "00:00:02:12 00:00:03:15 00:00:06:03"))
    with pytest.raises(ReadbackMismatch, match="SQ020_SH010_v001: source 0-60, record 87-147 where the cut has"):
        read_back(FORMATS["edl"], path, cut)


def test_a_file_the_adapter_cannot_read_is_caught(tmp_path):
    cut = _cut(Fraction(24))
    path = _written(tmp_path, cut, "fcp7")
    path.write_text(path.read_text()[:200])
    with pytest.raises(ReadbackMismatch, match="cannot be read back"):
        read_back(FORMATS["fcp7"], path, cut)


def test_a_clip_whose_media_is_missing_is_caught(tmp_path):
    cut = _cut(Fraction(25))
    path = _written(tmp_path, cut, "fcp7")
    (tmp_path / "media" / "SQ010_SH020_v002.mp4").unlink()
    with pytest.raises(
        ReadbackMismatch, match="SQ010_SH020_v002's media media/SQ010_SH020_v002.mp4 is not in the export"
    ):
        read_back(FORMATS["fcp7"], path, cut)


def test_shots_out_of_order_are_caught(tmp_path):
    cut = _cut(Fraction(24000, 1001))
    path = _written(tmp_path, cut, "aaf")
    swapped = replace(cut, takes=(cut.takes[1], cut.takes[0], cut.takes[2]))
    with pytest.raises(ReadbackMismatch, match=r"shots \['SQ010_SH010_v001', 'SQ010_SH020_v002'"):
        read_back(FORMATS["aaf"], path, swapped)


def test_fcpxml_at_23976_states_final_cut_pros_frame_duration_and_exact_times(tmp_path):
    cut = _cut(Fraction(24000, 1001))
    root = ElementTree.parse(_written(tmp_path, cut, "fcpx")).getroot()
    assert {f.get("frameDuration") for f in root.iter("format")} == {"1001/24000s"}
    spine = root.find("./project/sequence/spine")
    assert [(c.get("offset"), c.get("duration")) for c in spine.findall("clip")] == [
        ("0s", "37037/24000s"),  # 37 frames of 1001/24000 s
        ("37037/24000s", "1001/480s"),  # 50 frames
        ("29029/8000s", "61061/24000s"),  # from frame 87, 61 frames
    ]


def test_the_released_fcpxml_adapter_still_miscounts_ntsc_rates(tmp_path):
    """Why fcpx_timing.py exists: the adapter as released reads 23.976 as 23 fps. When this fails, a
    release has fixed it and fcpx_timing.py can go."""
    from otio_fcpx_xml_adapter import fcpx_xml  # the package's own copy, not the one the export patches

    written = _written(tmp_path, _cut(Fraction(24000, 1001)), "fcpx")
    timeline = fcpx_xml.read_from_string(written.read_text())
    durations = [(c.duration().value, c.duration().rate) for c in timeline.tracks[0].find_clips()]
    assert durations != [(37, 24000 / 1001), (50, 24000 / 1001), (61, 24000 / 1001)]
    assert {rate for _, rate in durations} == {23}
