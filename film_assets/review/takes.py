"""Takes and their reviews, together: which take of each shot the cut uses (the final cut reads
this), and every shot's takes with their states (`filmstudio takes`, GET /projects/{id}/takes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from film_assets.domain.shots.take_choice import (
    PENDING,
    ReviewMark,
    Take,
    TakeChoice,
    choose_take,
    shot_approval,
    shot_pin,
    take_states,
)
from film_assets.review.reviews import Review
from film_assets.storage.shot_history import versions_in_cut
from film_assets.storage.shot_versions import ShotVersions
from film_assets.storage_keys import asset_value_key
from resources.media_store import MediaStore


def take_of(record: dict) -> Take:
    keyframe, clip = record.get("keyframe") or {}, record["clip"]
    model = keyframe.get("model") or f"{keyframe.get('renderer', '')} v{keyframe.get('renderer_version', '')}"
    return Take(
        record["version"],
        clip.get("shot_key", ""),
        clip["frames"],
        keyframe.get("prompt", ""),
        keyframe.get("seed"),
        model,
        keyframe.get("shot_key", ""),
    )


def marks_by_shot(reviews: list[Review]) -> dict[str, list[ReviewMark]]:
    marks: dict[str, list[ReviewMark]] = {}
    for review in reviews:
        marks.setdefault(review.shot_code, []).append(
            ReviewMark(
                review.id,
                review.version,
                review.state,
                review.pinned,
                review.reviewer,
                review.created_at.isoformat(timespec="seconds"),
            )
        )
    return marks


def review_states(reviews: list[Review]) -> dict[tuple[str, str], str]:
    """(shot code, version) -> the take's review state, for every reviewed take (others are pending)."""
    return {
        (code, version): mark.state
        for code, marks in marks_by_shot(reviews).items()
        for version, mark in take_states(marks).items()
    }


@dataclass(frozen=True)
class CutTake:
    choice: TakeChoice
    clip: dict  # the chosen take's clip entry (key, frames, version, keyframe_version, ...)


def cut_takes(
    store: MediaStore, project: str, newest: dict[str, dict], reviews: list[Review], every: dict | None = None
) -> dict[str, CutTake]:
    """Per shot in `newest` (shot code -> the newest matching take's clip entry, as shot_clips
    makes it), the take the cut uses and its clip entry. `every` is ShotVersions.all() when the
    caller has read it already (each record is one object read: on S3, one request)."""
    every = every if every is not None else ShotVersions(store, project).all()
    marks = marks_by_shot(reviews)
    chosen = {}
    for code, entry in newest.items():
        records = {record["version"]: record for record in every.get(code, []) if record.get("clip")}
        records[entry["version"]] = {**records.get(entry["version"], {}), "version": entry["version"], "clip": entry}
        takes = {version: take_of(record) for version, record in records.items()}
        choice = choose_take(code, takes, entry["version"], marks.get(code, []))
        if choice.version != entry["version"] and not store.exists(records[choice.version]["clip"]["key"]):
            del takes[choice.version]  # its media is gone: choose again without it
            choice = choose_take(code, takes, entry["version"], marks.get(code, []))
        chosen[code] = CutTake(choice, records[choice.version]["clip"])
    return chosen


def newest_takes(store: MediaStore, project: str) -> dict[str, dict] | None:
    """The shot_clips asset's stored value (the newest matching take per shot), None before it has one."""
    key = asset_value_key(project, "shot_clips", "json")
    return json.loads(store.get_bytes(key)) if store.exists(key) else None


def takes_report(store: MediaStore, project: str, reviews: list[Review]) -> list[dict] | None:
    """Every shot of the latest render: its takes with their review state and history, the take
    the cut follows now and the one the latest cut has (they differ until the cut is rebuilt
    after a review). None before the project has takes."""
    newest = newest_takes(store, project)
    if newest is None:
        return None
    every = ShotVersions(store, project).all()
    chosen = cut_takes(store, project, newest, reviews, every)
    in_cut = versions_in_cut(store, project)
    marks = marks_by_shot(reviews)
    history = {}
    for review in reviews:
        history.setdefault((review.shot_code, review.version), []).append(review.to_json())
    shots = []
    for code, entry in newest.items():
        states = take_states(marks.get(code, []))
        choice = chosen[code].choice
        current = take_of(next(r for r in every.get(code, []) if r["version"] == entry["version"]))
        takes = [
            {
                "version": record["version"],
                "state": states[record["version"]].state if record["version"] in states else PENDING,
                "pinned": bool(states.get(record["version"]) and states[record["version"]].pinned),
                "reason": record.get("reason", ""),
                "created_at": record.get("created_at", ""),
                "matches_shot": take_of(record).matches(current),
                "cut_follows": record["version"] == choice.version,
                "in_latest_cut": in_cut.get(code) == record["version"],
                "reviews": history.get((code, record["version"]), []),
            }
            for record in every.get(code, [])
            if record.get("clip")
        ]
        shots.append(
            {
                "code": code,
                "cut_follows": choice.version,
                "source": choice.source,
                "state": choice.state,
                "in_latest_cut": in_cut.get(code),
                "outdated": choice.outdated,
                "takes": takes,
            }
        )
    return shots


def reviews_a_plan_outdates(plan_shots: list[dict], reviews: list[Review]) -> list[dict]:
    """The approvals and pins a render of a planned revision would leave outdated: an approval of a
    shot whose clip is made again (changed or retimed), a pin of one whose length changes."""
    marks = marks_by_shot(reviews)
    outdated = []
    for shot in plan_shots:
        if shot["category"] not in ("changed", "retimed"):
            continue
        shot_marks = marks.get(shot["code"], [])
        pin, approval = shot_pin(shot_marks), shot_approval(shot_marks)
        if pin is not None and shot["frames_before"] != shot["frames_after"]:
            outdated.append({"code": shot["code"], "version": pin.version, "kind": "pin", "reviewer": pin.reviewer})
        elif approval is not None and pin is None:
            outdated.append(
                {"code": shot["code"], "version": approval.version, "kind": "approval", "reviewer": approval.reviewer}
            )
    return outdated
