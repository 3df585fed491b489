"""What a project's final cut is made of, read from the media store alone (no run needed): the take
of every shot it uses, in film order, with the length of that take's clip and what made it (prompt,
seed, model, script line), the mix and the subtitles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

from film_assets.domain.shots.breakdown import Shot
from film_assets.domain.shots.table import shots_from_frame
from film_assets.domain.video.frame_rate import frame_rate
from film_assets.review.takes import take_of
from film_assets.storage.shot_versions import ShotVersions
from film_assets.storage_keys import asset_value_key, final_cut_manifest_key, shot_list_key
from resources.media_store import MediaNotFound, MediaStore


class NotRendered(LookupError):
    """The project has no final cut to export (never rendered, or its media is gone)."""


class CutChanged(ValueError):
    """The stored shot list no longer describes the stored final cut (a render stopped between them)."""


@dataclass(frozen=True)
class CutTake:
    """One shot of the cut: the shot as the shot list has it (its length the take's), and its take."""

    shot: Shot
    version: str
    clip_key: str
    model: str
    review_state: str = ""
    take_source: str = ""

    @property
    def code(self) -> str:
        return self.shot.code

    @property
    def name(self) -> str:
        """The clip's name in every export: the shot code with its take, SQ010_SH020_v002."""
        return f"{self.shot.code}_{self.version}"

    @property
    def frames(self) -> int:
        return self.shot.duration_frames


@dataclass(frozen=True)
class EditorialCut:
    project: str
    title: str
    fps: Fraction
    takes: tuple[CutTake, ...]
    mix_key: str
    subtitles_key: str

    @property
    def frames(self) -> int:
        return sum(take.frames for take in self.takes)

    def record_ranges(self) -> list[tuple[int, int]]:
        """Each take's (first frame, frame after its last) on the cut's timeline."""
        ranges, start = [], 0
        for take in self.takes:
            ranges.append((start, start + take.frames))
            start += take.frames
        return ranges


def _stored_json(store: MediaStore, key: str, project: str, what: str) -> dict:
    try:
        return json.loads(store.get_bytes(key))
    except MediaNotFound:
        raise NotRendered(f"project {project!r} has no {what} (render it first: filmstudio render)") from None


def _title(store: MediaStore, manifest: dict, project: str) -> str:
    """The film's title, as the cut's own timeline names it."""
    import opentimelineio as otio

    try:
        return (
            otio.adapters.read_from_string(store.get_bytes(manifest["timeline"]).decode(), "otio_json").name or project
        )
    except (KeyError, MediaNotFound, ValueError):
        return project


def stored_cut(store: MediaStore, project: str) -> EditorialCut:
    """The project's latest final cut; NotRendered before it has one, CutChanged when the shot list
    was made again after it (a render that stopped before its final cut)."""
    from resources.io_manager import read_parquet_bytes  # pandas loads only when asked

    manifest = _stored_json(store, final_cut_manifest_key(project), project, "final cut")
    mix = _stored_json(store, asset_value_key(project, "audio_mix", "json"), project, "mix")
    try:
        shots = {s.code: s for s in shots_from_frame(read_parquet_bytes(store.get_bytes(shot_list_key(project))))}
    except MediaNotFound:
        raise NotRendered(f"project {project!r} has no shot list (render it first: filmstudio render)") from None
    versions = ShotVersions(store, project)
    takes = []
    for code, version in manifest["shot_versions"].items():
        if code not in shots:
            raise CutChanged(
                f"project {project!r}: the final cut's shot {code} is no longer in the shot list; "
                f"render the project again (filmstudio rerender {project}) before exporting"
            )
        record = next((r for r in versions.of(code) if r["version"] == version and r.get("clip")), None)
        if record is None:
            raise NotRendered(f"project {project!r}: take {code} {version} of the final cut is no longer stored")
        take = take_of(record)
        if take.frames != shots[code].duration_frames:
            raise CutChanged(
                f"project {project!r}: {code} is {shots[code].duration_frames} frames in the shot list but its take "
                f"{version} in the final cut is {take.frames}; render the project again "
                f"(filmstudio rerender {project}) before exporting"
            )
        choice = manifest.get("takes", {}).get(code, {})
        takes.append(
            CutTake(
                shots[code],
                version,
                manifest["shot_clips"][code],
                take.model,
                choice.get("state", ""),
                choice.get("source", ""),
            )
        )
    if not takes:
        raise NotRendered(f"project {project!r} has a final cut without shots")
    return EditorialCut(
        project,
        _title(store, manifest, project),
        frame_rate(takes[0].shot.fps),
        tuple(takes),
        mix["key"],
        manifest["subtitles"],
    )
