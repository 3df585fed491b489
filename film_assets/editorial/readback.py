"""Reading an export back: the timeline file is read with the same OpenTimelineIO adapter that wrote
it (an AAF also with pyaaf2, as Avid reads it) and compared to the cut: the number of shots, their
order and names, every clip's source in/out, record in/out and duration to the frame, the media each
points at (present in the export), and the mix's track. Any difference raises ReadbackMismatch naming
the file, the clip and both values; nothing is handed over that was not read back."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from film_assets.editorial.adapters import read_timeline
from film_assets.editorial.clips import MEDIA_FOLDER, MIX_FILE
from film_assets.editorial.cut import EditorialCut
from film_assets.editorial.formats import ExportFormat


class ReadbackMismatch(RuntimeError):
    """An export that does not read back as the cut."""


@dataclass(frozen=True)
class ReadClip:
    name: str
    source_in: int
    source_out: int
    record_in: int
    record_out: int

    @property
    def frames(self) -> int:
        return self.record_out - self.record_in

    def to_json(self) -> dict:
        return {**asdict(self), "frames": self.frames}


@dataclass(frozen=True)
class Readback:
    format: str
    fps: str  # "24000/1001"
    clips: tuple[ReadClip, ...]
    mix_frames: int | None  # the mix track's length, where the format carries it
    read_with: tuple[str, ...]  # the readers that agreed: the adapter, and pyaaf2 for an AAF

    def to_json(self) -> dict:
        return {
            "format": self.format,
            "fps": self.fps,
            "shots": len(self.clips),
            "frames": sum(clip.frames for clip in self.clips),
            "mix_frames": self.mix_frames,
            "read_with": list(self.read_with),
            "clips": [clip.to_json() for clip in self.clips],
        }


def _frames(time: otio.opentime.RationalTime, fps: Fraction, what: str, problems: list[str]) -> int:
    """A time in whole frames of the cut's rate; a rate other than the cut's, or a time between two
    frames, is a difference."""
    rate = float(fps)
    if abs(time.rate - rate) > 1e-6:
        problems.append(f"{what} is at {time.rate:g} fps, the cut at {rate:g}")
    value = time.value if abs(time.rate - rate) <= 1e-6 else time.value_rescaled_to(rate)
    frames = round(value)
    if abs(value - frames) > 1e-6:
        problems.append(f"{what} falls between frames ({value:.4f})")
    return frames


def _relative(url: str) -> str:
    """The path a read-back media reference names (the AAF reader makes relative paths file:// URLs)."""
    return url.removeprefix("file://")


def _expected(cut: EditorialCut) -> list[ReadClip]:
    return [
        ReadClip(take.name, 0, take.frames, start, end) for take, (start, end) in zip(cut.takes, cut.record_ranges())
    ]


def _video_clips(timeline, cut: EditorialCut, folder: Path, problems: list[str]) -> list[ReadClip]:
    tracks = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video and t.find_clips()]
    if len(tracks) != 1:
        problems.append(f"{len(tracks)} video tracks with clips, the cut has one")
        if not tracks:
            return []
    read = []
    for clip in tracks[0].find_clips():
        source, record = clip.source_range, clip.range_in_parent()
        name = clip.name
        read.append(
            ReadClip(
                name,
                _frames(source.start_time, cut.fps, f"{name} source in", problems),
                _frames(source.end_time_exclusive(), cut.fps, f"{name} source out", problems),
                _frames(record.start_time, cut.fps, f"{name} record in", problems),
                _frames(record.end_time_exclusive(), cut.fps, f"{name} record out", problems),
            )
        )
        url, wanted = _relative(getattr(clip.media_reference, "target_url", "") or ""), f"{MEDIA_FOLDER}/{name}.mp4"
        if url != wanted:
            problems.append(f"{name} points at {url!r}, not {wanted}")
        elif not (folder / url).is_file():
            problems.append(f"{name}'s media {url} is not in the export")
    return read


def _mix_frames(timeline, cut: EditorialCut, folder: Path, problems: list[str]) -> int | None:
    clips = [
        clip
        for track in timeline.tracks
        if track.kind == otio.schema.TrackKind.Audio
        for clip in track.find_clips()
        if _relative(getattr(clip.media_reference, "target_url", "") or "") == MIX_FILE
    ]
    if len(clips) != 1:
        problems.append(f"{len(clips)} clips of the mix ({MIX_FILE}) on the audio tracks, expected one")
        return None
    record = clips[0].range_in_parent()
    start = _frames(record.start_time, cut.fps, "the mix's record in", problems)
    frames = _frames(record.duration, cut.fps, "the mix's duration", problems)
    if (start, frames) != (0, cut.frames):
        problems.append(f"the mix runs from frame {start} for {frames} frames, the cut from 0 for {cut.frames}")
    if not (folder / MIX_FILE).is_file():
        problems.append(f"the mix {MIX_FILE} is not in the export")
    return frames


def _compare(read: list[ReadClip], cut: EditorialCut, problems: list[str]) -> None:
    expected = _expected(cut)
    if [c.name for c in read] != [c.name for c in expected]:
        problems.append(f"shots {[c.name for c in read]} where the cut has {[c.name for c in expected]}")
    for got, want in zip(read, expected):
        if got != want:
            problems.append(
                f"{want.name}: source {got.source_in}-{got.source_out}, record {got.record_in}-{got.record_out} "
                f"where the cut has source {want.source_in}-{want.source_out}, "
                f"record {want.record_in}-{want.record_out}"
            )


def _aaf_clips(path: Path, cut: EditorialCut, problems: list[str]) -> list[ReadClip]:
    """The AAF's picture sequence as pyaaf2 reads it: the top-level composition's V1 slot."""
    import aaf2

    read = []
    with aaf2.open(str(path), "r") as aaf:
        compositions = list(aaf.content.toplevel())
        if len(compositions) != 1:
            problems.append(f"pyaaf2: {len(compositions)} top-level compositions, expected one")
            return read
        slots = [slot for slot in compositions[0].slots if slot.name == "V1"]
        if len(slots) != 1:
            problems.append("pyaaf2: no V1 slot in the composition")
            return read
        slot = slots[0]
        if Fraction(str(slot.edit_rate)) != cut.fps:
            problems.append(f"pyaaf2: V1's edit rate is {slot.edit_rate}, the cut's {cut.fps}")
        position = 0
        for component in slot.segment.components:
            if not isinstance(component, aaf2.components.SourceClip):
                problems.append(f"pyaaf2: a {type(component).__name__} in V1, expected only source clips")
                continue
            start, length = int(component.start or 0), int(component.length)
            read.append(ReadClip(component.mob.name, start, start + length, position, position + length))
            position += length
    return read


def read_back(export_format: ExportFormat, path: Path, cut: EditorialCut) -> Readback:
    """Read `path` back with the adapter that wrote it and compare it to the cut."""
    problems: list[str] = []
    try:
        timeline = read_timeline(export_format, path, cut.fps)
    except Exception as error:  # any adapter's parse error: the file is not what it should be
        raise ReadbackMismatch(
            f"{path.name} cannot be read back with the {export_format.adapter} adapter: {type(error).__name__}: {error}"
        ) from error
    read = _video_clips(timeline, cut, path.parent, problems)
    _compare(read, cut, problems)
    mix_frames = _mix_frames(timeline, cut, path.parent, problems) if export_format.carries_audio else None
    read_with = [f"OpenTimelineIO {export_format.adapter} adapter"]
    if export_format.name == "aaf":
        aaf_problems: list[str] = []
        _compare(_aaf_clips(path, cut, aaf_problems), cut, aaf_problems)
        problems += [f"pyaaf2: {p}" if not p.startswith("pyaaf2") else p for p in aaf_problems]
        read_with.append("pyaaf2")
    if problems:
        shown = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        raise ReadbackMismatch(f"{path.name} does not read back as the cut of {cut.project}: {shown}")
    return Readback(export_format.name, str(cut.fps), tuple(read), mix_frames, tuple(read_with))
