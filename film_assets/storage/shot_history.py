"""A project's shots and every version of each, as the CLI (`filmstudio versions`) and the API
(`GET /projects/{id}/shots/{code}/versions`) show them: read from the media store alone, no run
needed."""

from __future__ import annotations

import json

from film_assets.storage.shot_versions import ShotVersions
from film_assets.storage_keys import final_cut_manifest_key, shot_list_key
from resources.media_store import MediaStore

# What a version row shows of its keyframe's lineage (what made the picture).
KEYFRAME_FIELDS = (
    "prompt",
    "seed",
    "renderer",
    "renderer_version",
    "model",
    "revision",
    "weights_sha256",
    "scheduler",
    "steps",
    "guidance",
)


def stored_shot_codes(store: MediaStore, project: str) -> list[str] | None:
    """The codes of the project's latest shot list, or None before it has one."""
    from resources.io_manager import read_parquet_bytes  # pandas and dagster load only when asked

    key = shot_list_key(project)
    if not store.exists(key):
        return None
    return [str(code) for code in read_parquet_bytes(store.get_bytes(key), columns=["code"])["code"]]


def versions_in_cut(store: MediaStore, project: str) -> dict[str, str]:
    """Shot code -> the version the project's latest final cut is made of ({} before it has one)."""
    key = final_cut_manifest_key(project)
    return json.loads(store.get_bytes(key)).get("shot_versions", {}) if store.exists(key) else {}


def version_rows(store: MediaStore, project: str, code: str | None = None) -> list[dict]:
    """One row per complete version (keyframe and clip) of one shot, or of every shot, oldest
    first: version, why it was made, when, by which run, its keyframe's lineage, and whether the
    latest final cut uses it."""
    in_cut = versions_in_cut(store, project)
    every = ShotVersions(store, project).all()
    rows = []
    for shot in [code] if code else sorted(every):
        for record in every.get(shot, []):
            keyframe, clip = record.get("keyframe") or {}, record.get("clip")
            if clip is None:
                continue  # a keyframe whose clip was never made (a run stopped between the two)
            rows.append(
                {
                    "code": shot,
                    "version": record["version"],
                    "reason": record.get("reason", ""),
                    "created_at": record.get("created_at", ""),
                    "run_id": record.get("clip_run_id", ""),
                    "in_final_cut": in_cut.get(shot) == record["version"],
                    "keyframe_version": keyframe.get("version", ""),
                    "keyframe_key": keyframe.get("key", ""),
                    "clip_key": clip["key"],
                    "shot_key": clip.get("shot_key", ""),
                    "frames": clip.get("frames"),
                    "animator": clip.get("animator", ""),
                    **{name: keyframe[name] for name in KEYFRAME_FIELDS if name in keyframe},
                }
            )
    return rows
