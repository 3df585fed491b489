"""The editorial timeline: an OpenTimelineIO document with one clip per shot, named by its code,
so an editor can open the cut in any OTIO-aware tool and trace each clip to its script line."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio

from film_assets.domain.shots.breakdown import Shot


def build_timeline(
    title: str,
    shots: list[Shot],
    fps: Fraction,
    clip_uris: dict[str, str],
    final_cut_uri: str | None = None,
    versions: dict[str, str] | None = None,
    reviews: dict[str, dict] | None = None,
) -> otio.schema.Timeline:
    """One clip per shot; `versions` (code -> v001, ...) says which render of each shot the cut
    uses, `reviews` (code -> review_state, take_source) its review state and why the cut uses it."""
    rate = float(fps)
    timeline = otio.schema.Timeline(name=title, global_start_time=otio.opentime.RationalTime(0, rate))
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for shot in shots:
        available = otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(shot.duration_frames, rate)
        )
        clip = otio.schema.Clip(
            name=shot.code,
            media_reference=otio.schema.ExternalReference(target_url=clip_uris[shot.code], available_range=available),
            source_range=available,
        )
        clip.metadata["film_assets"] = {
            "scene": shot.scene_heading,
            "scene_number": shot.scene_number,
            "shot_type": shot.shot_type,
            "prompt": shot.prompt,
            "seed": shot.seed,
            "camera_move": shot.camera_move,
            "source_line": shot.source_line,
            "characters": list(shot.characters),
            "dialogue": [line.text for line in shot.dialogue],
            **({"version": versions[shot.code]} if versions and shot.code in versions else {}),
            **((reviews or {}).get(shot.code) or {}),
        }
        track.append(clip)
    timeline.tracks.append(track)
    if final_cut_uri:
        timeline.metadata["film_assets"] = {"final_cut": final_cut_uri}
    return timeline


def timeline_to_json(timeline: otio.schema.Timeline) -> str:
    return otio.adapters.write_to_string(timeline, "otio_json")
