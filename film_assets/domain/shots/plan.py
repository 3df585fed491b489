"""What a render of a revised screenplay would do, said before rendering anything.

Every shot of the revision is `added` (a new code), `changed` (its picture is made again),
`retimed` (its stored picture is kept and only its clip is encoded again, at its new length or
over new dialogue audio) or `reused` (nothing to do); a code the revision no longer has is
`removed`. Each says what changed against the stored shot list, and the plan estimates the
compute from the takes the project has measured.

Pure: the caller looks the revision's keys up in the media store (StoredTakes, one per shot) and
reads the measured costs; this module only compares and counts.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from statistics import fmean

from film_assets.domain.shots.breakdown import Shot

CATEGORIES = ("added", "removed", "changed", "retimed", "reused")
# What can differ between a stored shot and its revision; "other" when none of these does but a
# take must still be made (a render setting, a re-cast voice, a take no longer stored).
CHANGES = ("words", "timing", "prompt", "seed", "model", "camera_move", "characters", "other")
NO_MEASUREMENTS = "no measured takes yet"


@dataclass(frozen=True)
class StoredTakes:
    """What the media store holds for one shot of the revision, looked up by the revision's keys."""

    keyframe: bool  # a stored keyframe was made from the keyframe key this revision gives the shot
    clip: bool  # and a stored clip from its clip key (never True without the keyframe)
    timing_estimated: bool = False  # a line it covers was never spoken: its length is an estimate
    model_before: str = ""  # what made the shot's latest take, e.g. "storyboard v1, camera_move v1"
    model_after: str = ""  # what a render now would use


@dataclass(frozen=True)
class ShotPlan:
    code: str
    category: str  # one of CATEGORIES
    changes: tuple[str, ...]  # among CHANGES, in that order
    frames_before: int | None
    frames_after: int | None
    seconds_before: float | None
    seconds_after: float | None
    timing_estimated: bool = False

    @property
    def renders_keyframe(self) -> bool:
        return self.category in ("added", "changed")

    @property
    def encodes_clip(self) -> bool:
        return self.category in ("added", "changed", "retimed")


@dataclass(frozen=True)
class ScriptDiff:
    """How far the revision's text is from the stored screenplay, in lines."""

    lines_added: int
    lines_removed: int


@dataclass(frozen=True)
class ComputeEstimate:
    seconds: float | None  # None when the takes to make have no measured counterpart
    keyframes: int  # keyframes to render
    clips: int  # clips to encode
    frames: int  # frames in those clips
    keyframe_takes: int  # measured takes the estimate is based on
    clip_takes: int
    keyframe_mean_s: float | None
    clip_s_per_frame: float | None
    devices: tuple[str, ...] = ()
    basis: str = ""  # the estimate in words: what it rests on, or why there is none


@dataclass(frozen=True)
class RevisionPlan:
    project: str
    shots: tuple[ShotPlan, ...]  # the revision's shots in film order, then the removed ones
    script: ScriptDiff
    compute: ComputeEstimate
    settings: Mapping = field(default_factory=dict)  # the frame size and rate the plan assumes

    @property
    def counts(self) -> dict[str, int]:
        return {category: sum(1 for shot in self.shots if shot.category == category) for category in CATEGORIES}

    @property
    def to_render(self) -> list[ShotPlan]:
        """The shots a render would make a clip for (the run's shots_rendered)."""
        return [shot for shot in self.shots if shot.encodes_clip]

    @property
    def timing_estimated(self) -> bool:
        return any(shot.timing_estimated for shot in self.shots)

    def duration_s(self, when: str) -> float:
        """The film's length "before" (stored) or "after" (the revision), in seconds."""
        return round(sum(getattr(shot, f"seconds_{when}") or 0.0 for shot in self.shots), 3)

    def to_json(self) -> dict:
        return {
            "project": self.project,
            "counts": self.counts,
            "shots_to_render": len(self.to_render),
            "duration_s": {"before": self.duration_s("before"), "after": self.duration_s("after")},
            "timing_estimated": self.timing_estimated,
            "script": asdict(self.script),
            "compute": {**asdict(self.compute), "devices": list(self.compute.devices)},
            "settings": dict(self.settings),
            "shots": [{**asdict(shot), "changes": list(shot.changes)} for shot in self.shots],
        }


def diff_script(before: str, after: str) -> ScriptDiff:
    """Lines added and removed from `before` to `after` (a replaced line counts once each way)."""
    old, new = before.splitlines(), after.splitlines()
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return ScriptDiff(lines_added=added, lines_removed=removed)


def _spoken(shot: Shot) -> list[tuple[str, str]]:
    return [(line.character, line.text) for line in shot.dialogue]


def what_changed(before: Shot, after: Shot, takes: StoredTakes | None = None) -> tuple[str, ...]:
    """The differences between a stored shot and its revision, in CHANGES order."""
    found = {
        "words": before.caption != after.caption or _spoken(before) != _spoken(after),
        "timing": before.duration_frames != after.duration_frames,
        "prompt": before.prompt != after.prompt,
        "seed": before.seed != after.seed,
        "model": bool(takes and takes.model_before and takes.model_after and takes.model_before != takes.model_after),
        "camera_move": before.camera_move != after.camera_move,
        "characters": before.characters != after.characters,
    }
    return tuple(name for name in CHANGES if found.get(name))


def plan_shots(stored: Sequence[Shot], revised: Sequence[Shot], takes: Mapping[str, StoredTakes]) -> list[ShotPlan]:
    """Classify every shot of the revision (and every stored one it drops)."""
    before = {shot.code: shot for shot in stored}
    plans = []
    for shot in revised:
        found = takes.get(shot.code) or StoredTakes(keyframe=False, clip=False)
        old = before.get(shot.code)
        if old is None:
            category, changes = "added", ()
        else:
            category = "reused" if found.keyframe and found.clip else "retimed" if found.keyframe else "changed"
            changes = what_changed(old, shot, found)
            if category != "reused" and not changes:
                changes = ("other",)
        plans.append(
            ShotPlan(
                code=shot.code,
                category=category,
                changes=changes,
                frames_before=old.duration_frames if old else None,
                frames_after=shot.duration_frames,
                seconds_before=old.duration_s if old else None,
                seconds_after=shot.duration_s,
                timing_estimated=found.timing_estimated,
            )
        )
    kept = {shot.code for shot in revised}
    plans += [
        ShotPlan(shot.code, "removed", (), shot.duration_frames, None, shot.duration_s, None)
        for shot in stored
        if shot.code not in kept
    ]
    return plans


def estimate_compute(
    shots: Sequence[ShotPlan],
    keyframe_seconds: Sequence[float],
    clip_seconds: Sequence[tuple[float, int]],
    devices: Sequence[str] = (),
) -> ComputeEstimate:
    """Compute for the plan's shots from the project's measured takes: the mean keyframe time per
    keyframe to render, plus the mean clip time per frame times the frames of each clip to encode.
    keyframe_seconds: wall seconds of each measured keyframe; clip_seconds: (wall seconds, frames)
    of each measured clip. No measurement for a part that must be made: no estimate (None)."""
    keyframes = sum(1 for shot in shots if shot.renders_keyframe)
    clips = [shot for shot in shots if shot.encodes_clip]
    frames = sum(shot.frames_after or 0 for shot in clips)
    per_frame = [seconds / count for seconds, count in clip_seconds if count]
    keyframe_mean = fmean(keyframe_seconds) if keyframe_seconds else None
    clip_rate = fmean(per_frame) if per_frame else None
    missing = [
        what
        for what, needed, known in (("keyframe", keyframes, keyframe_mean), ("clip", clips, clip_rate))
        if needed and known is None
    ]
    if not keyframes and not clips:
        seconds, basis = 0.0, "nothing to render"
    elif not keyframe_seconds and not per_frame:
        seconds, basis = None, NO_MEASUREMENTS
    elif missing:
        seconds, basis = None, f"no measured {' or '.join(missing)} takes yet"
    else:
        seconds = round(keyframes * (keyframe_mean or 0.0) + frames * (clip_rate or 0.0), 3)
        on = ", ".join(sorted(set(devices))) or "unknown device"
        basis = (
            f"from {len(keyframe_seconds)} measured keyframe takes and {len(per_frame)} measured clip takes "
            f"of this project ({on})"
        )
    return ComputeEstimate(
        seconds=seconds,
        keyframes=keyframes,
        clips=len(clips),
        frames=frames,
        keyframe_takes=len(keyframe_seconds),
        clip_takes=len(per_frame),
        keyframe_mean_s=round(keyframe_mean, 4) if keyframe_mean is not None else None,
        clip_s_per_frame=round(clip_rate, 6) if clip_rate is not None else None,
        devices=tuple(sorted(set(devices))),
        basis=basis,
    )
