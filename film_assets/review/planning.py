"""The plan of a revision: what rendering a revised screenplay of a project would do, read from the
media store alone. Nothing is rendered, spoken, registered or written.

The revision's shots are made as the assets would make them (the measured length of every line
whose clip would be reused, an estimate for the others, the stored seed overrides), and each
shot's keyframe and clip keys are computed with the same renderer, animator and voice a render
would use, then looked up among the stored takes (film_assets/domain/shots/plan.py classifies).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from film_assets.domain.projects.ids import validate_project_id
from film_assets.domain.screenplay.dialogue import dialogue_lines
from film_assets.domain.screenplay.fountain import parse_fountain
from film_assets.domain.shots.breakdown import Shot, break_down_shots
from film_assets.domain.shots.plan import RevisionPlan, StoredTakes, diff_script, estimate_compute, plan_shots
from film_assets.domain.shots.table import shots_from_frame, shots_to_frame
from film_assets.domain.video.encoding import VideoSettings
from film_assets.storage.dialogue_lines import stored_dialogue_line
from film_assets.storage.shot_versions import ShotVersions
from film_assets.storage.submission import load_seed_overrides, load_submission, submission_keys
from film_assets.storage_keys import shot_list_key
from resources.animator import Animator
from resources.media_store import MediaStore
from resources.profiles import Environment, animator_for, renderer_for
from resources.renderer import Renderer
from resources.voice import EspeakVoice, Voice


class NothingToPlanAgainst(ValueError):
    """The project is unknown, or has no shot list yet (never rendered): a plan needs one."""


@dataclass(frozen=True)
class MediaMakers:
    """The resources whose keys decide what a render reuses."""

    renderer: Renderer
    animator: Animator
    voice: Voice


def media_makers(environment: Environment) -> MediaMakers:
    """What a render in `environment` would use, built as build_resources builds it. Only their
    settings are read: no model loads (a CPU renderer's keys load no torch)."""
    return MediaMakers(renderer_for(environment.renderer), animator_for(environment), EspeakVoice())


def stored_shots(store: MediaStore, project: str) -> list[Shot]:
    """The project's latest shot list; NothingToPlanAgainst naming the project if it has none."""
    from resources.io_manager import read_parquet_bytes  # pandas loads only when asked

    project = validate_project_id(project)
    if not store.exists(shot_list_key(project)):
        if not store.exists(submission_keys(project)[1]):
            raise NothingToPlanAgainst(f"no project {project!r}: nothing was ever submitted under that id")
        raise NothingToPlanAgainst(f"project {project!r} has no shot list yet: render it once before planning")
    return shots_from_frame(read_parquet_bytes(store.get_bytes(shot_list_key(project))))


def plan_revision(
    store: MediaStore, project: str, text: str | bytes, source_name: str, makers: MediaMakers
) -> RevisionPlan:
    """What rendering `text` as project's next screenplay would do. Raises NothingToPlanAgainst
    (unknown or never rendered), FountainError naming the line, ValueError for voice casting."""
    before = stored_shots(store, project)
    stored_text, _, settings = load_submission(store, project)
    screenplay = parse_fountain(text, source_name)
    lines = dialogue_lines(screenplay)
    casting = makers.voice.cast(list(dict.fromkeys(line.character for line in lines)), settings.voices)
    spoken = {
        line.line: stored_dialogue_line(store, project, makers.voice, line, casting[line.character]) for line in lines
    }
    shots = break_down_shots(
        screenplay,
        project,
        settings.fps,
        settings.width,
        settings.height,
        line_durations={number: record["duration_s"] for number, record in spoken.items() if record},
    )
    seeds = load_seed_overrides(store, project)
    shots = [replace(shot, seed=seeds[shot.code]) if shot.code in seeds else shot for shot in shots]
    shots = shots_from_frame(shots_to_frame(shots))  # as the picture assets read them back: same keys
    versions = ShotVersions(store, project)
    takes = {shot.code: _stored_takes(shot, versions, spoken, makers) for shot in shots}
    planned = plan_shots(before, shots, takes)
    keyframe_s, clip_s, devices = measured_costs(versions)
    return RevisionPlan(
        project=project,
        shots=tuple(planned),
        script=diff_script(stored_text, text if isinstance(text, str) else text.decode("utf-8-sig")),
        compute=estimate_compute(planned, keyframe_s, clip_s, devices),
        settings={"width": settings.width, "height": settings.height, "fps": settings.fps},
    )


def _stored_takes(shot: Shot, versions: ShotVersions, spoken: dict, makers: MediaMakers) -> StoredTakes:
    lines = [spoken.get(line.line) for line in shot.dialogue]
    estimated = any(record is None for record in lines)
    latest = next((record for record in reversed(versions.of(shot.code)) if record.get("clip")), None)
    found = {
        "timing_estimated": estimated,
        "model_before": _made_by(latest["keyframe"], latest["clip"]) if latest else "",
        "model_after": ", ".join(_identity(maker) for maker in (makers.renderer, makers.animator)),
    }
    keyframe_key = makers.renderer.shot_key(shot, shot.width, shot.height)
    keyframe = versions.find(shot.code, "keyframe", keyframe_key)
    if keyframe is None:
        return StoredTakes(keyframe=False, clip=False, **found)
    if estimated:  # a line spoken anew has new audio: the clip is made again
        return StoredTakes(keyframe=True, clip=False, **found)
    clip_key = makers.animator.shot_key(
        shot,
        keyframe["keyframe"],
        VideoSettings(shot.width, shot.height, shot.fps),
        [record["sha256"] for record in lines],
    )
    return StoredTakes(keyframe=True, clip=versions.find(shot.code, "clip", clip_key) is not None, **found)


def _identity(maker) -> str:
    model = getattr(maker, "model", None)
    return f"{maker.name} v{maker.version}" + (f" ({model})" if model else "")


def _made_by(keyframe: dict, clip: dict) -> str:
    """The same words as _identity, from what a take recorded."""
    parts = []
    for entry, name in ((keyframe, "renderer"), (clip, "animator")):
        model = entry.get("model")
        parts.append(f"{entry.get(name)} v{entry.get(f'{name}_version')}" + (f" ({model})" if model else ""))
    return ", ".join(parts)


def measured_costs(versions: ShotVersions) -> tuple[list[float], list[tuple[float, int]], list[str]]:
    """The project's measured takes from the cost ledger (each keyframe and clip entry's `cost`):
    keyframe wall seconds, (clip wall seconds, frames), and the devices they ran on. A keyframe
    shared by two versions counts once; takes made before the ledger have no cost and are skipped."""
    keyframe_s, clip_s, devices, seen = [], [], [], set()
    for records in versions.all().values():
        for record in records:
            keyframe, clip = record.get("keyframe") or {}, record.get("clip") or {}
            cost = keyframe.get("cost")
            if cost and keyframe.get("key") not in seen:
                seen.add(keyframe.get("key"))
                keyframe_s.append(float(cost["wall_s"]))
                devices.append(str(cost.get("device", "")))
            cost = clip.get("cost")
            if cost and clip.get("frames"):
                clip_s.append((float(cost["wall_s"]), int(clip["frames"])))
                devices.append(str(cost.get("device", "")))
    return keyframe_s, clip_s, [device for device in devices if device]
