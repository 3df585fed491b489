"""The export timeline: the cut's own timeline (film_assets/domain/video/timeline.py) with each clip
named by its shot and take (SQ010_SH020_v002), pointing at its media by relative path, a marker on
its first frame, and the mix as one audio track; then, per format, what that format can carry of
each clip's lineage (prompt, seed, model, script line):

| format | where the lineage goes |
|---|---|
| otio | the clip's `film_assets` metadata, and a marker |
| edl | comments under each event (`* PROMPT: ...`) |
| fcp7 | the clip's logging info (description, scene, shot/take, log note) and a marker with a comment |
| fcpx | the clip's note and its scene, shot and take fields, and a marker |
| aaf | the master clip's user comments (Avid's bin columns) |
"""

from __future__ import annotations

import copy
import uuid

import opentimelineio as otio

from film_assets.domain.video.timeline import build_timeline
from film_assets.editorial.cut import CutTake, EditorialCut

MEDIA_FOLDER = "media"
MIX_NAME = "mix"
MIX_FILE = f"{MEDIA_FOLDER}/mix.wav"
# a fixed namespace: the same take gets the same AAF MobID in every export, so a re-export relinks
MOB_ID_NAMESPACE = uuid.UUID("2f0c6a6e-3b7e-4c53-9a52-8f1f6f3f1a10")


def clip_path(take: CutTake) -> str:
    """Where a take's clip goes in the export, relative to the timeline file."""
    return f"{MEDIA_FOLDER}/{take.name}.mp4"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def lineage(take: CutTake) -> dict:
    """What made a clip, as every format shows it."""
    shot = take.shot
    return {
        "prompt": _one_line(shot.prompt),
        "seed": shot.seed,
        "model": _one_line(take.model),
        "script_line": shot.source_line,
    }


def slate(take: CutTake) -> str:
    facts = lineage(take)
    return (
        f"prompt: {facts['prompt']}; seed {facts['seed']}; model {facts['model']}; script line {facts['script_line']}"
    )


def _range(start: int, frames: int, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(frames, rate))


def export_timeline(cut: EditorialCut) -> otio.schema.Timeline:
    """The cut as one video track of its takes and one audio track of the mix, relative paths."""
    rate = float(cut.fps)
    timeline = build_timeline(
        cut.title,
        [take.shot for take in cut.takes],
        cut.fps,
        {take.code: clip_path(take) for take in cut.takes},
        versions={take.code: take.version for take in cut.takes},
        reviews={
            take.code: {"review_state": take.review_state, "take_source": take.take_source}
            for take in cut.takes
            if take.review_state
        },
    )
    for clip, take in zip(timeline.tracks[0], cut.takes):
        clip.name = take.name
        clip.metadata["film_assets"].update({"model": take.model, "take": take.name})
        clip.markers.append(
            otio.schema.Marker(
                name=f"{take.name} script line {take.shot.source_line}",
                marked_range=_range(0, 0, rate),
                color=otio.schema.MarkerColor.CYAN,
                metadata={"film_assets": lineage(take)},
            )
        )
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    whole = _range(0, cut.frames, rate)
    audio.append(
        otio.schema.Clip(
            name=MIX_NAME,
            media_reference=otio.schema.ExternalReference(target_url=MIX_FILE, available_range=whole),
            source_range=whole,
        )
    )
    timeline.tracks.append(audio)
    timeline.metadata["film_assets"] = {"project": cut.project, "fps": str(cut.fps), "frames": cut.frames}
    return timeline


def _mob_id(project: str, name: str) -> str:
    import aaf2.mobid

    mob_id = aaf2.mobid.MobID.new()
    mob_id.material = uuid.uuid5(MOB_ID_NAMESPACE, f"{project}/{name}")
    return str(mob_id)


def _edl(clip: otio.schema.Clip, take: CutTake) -> None:
    facts = lineage(take)
    clip.markers.clear()  # an EDL's locators are upper-cased: the comments carry it all, case kept
    clip.metadata["cmx_3600"] = {
        "reel": take.name,
        "comments": [
            f"PROMPT: {facts['prompt']}",
            f"SEED: {facts['seed']}",
            f"MODEL: {facts['model']}",
            f"SCRIPT LINE: {facts['script_line']}",
        ],
    }


def _fcp7(clip: otio.schema.Clip, take: CutTake) -> None:
    facts = lineage(take)
    clip.metadata["fcp_xml"] = {
        "logginginfo": {
            "description": facts["prompt"],
            "scene": take.shot.scene_number,
            "shottake": f"{take.code} {take.version}",
            "lognote": f"seed {facts['seed']}; model {facts['model']}; script line {facts['script_line']}",
        }
    }
    for marker in clip.markers:
        marker.metadata["fcp_xml"] = {"comment": slate(take)}


def _fcpx(clip: otio.schema.Clip, take: CutTake) -> None:
    clip.media_reference.metadata["fcpx"] = {
        "note": slate(take),
        "metadata": [
            {"com.apple.proapps.studio.scene": take.shot.scene_number},
            {"com.apple.proapps.studio.shot": take.code},
            {"com.apple.proapps.studio.take": take.version},
        ],
    }


def _aaf(clip: otio.schema.Clip, take: CutTake, project: str) -> None:
    facts = lineage(take)
    clip.metadata["AAF"] = {
        "MobID": _mob_id(project, take.name),
        "UserComments": {
            "Shot": take.code,
            "Take": take.version,
            "Prompt": facts["prompt"],
            "Seed": str(facts["seed"]),
            "Model": facts["model"],
            "Script line": str(facts["script_line"]),
        },
    }


def for_format(timeline: otio.schema.Timeline, cut: EditorialCut, format_name: str) -> otio.schema.Timeline:
    """A copy of the export timeline with what `format_name` carries of each clip's lineage."""
    copied = copy.deepcopy(timeline)
    video, audio = copied.tracks[0], copied.tracks[1]
    for clip, take in zip(video, cut.takes):
        if format_name == "edl":
            _edl(clip, take)
        elif format_name == "fcp7":
            _fcp7(clip, take)
        elif format_name == "fcpx":
            _fcpx(clip, take)
        elif format_name == "aaf":
            _aaf(clip, take, cut.project)
    if format_name == "aaf":
        for clip in audio:
            clip.metadata["AAF"] = {"MobID": _mob_id(cut.project, f"{clip.name}/{cut.frames}")}
    return copied
