"""Submitting a screenplay: store it with its settings where the `screenplay` asset reads it.

The CLI uses this today; the API and the SQS sensor use the same location later.
"""

from __future__ import annotations

import json

from film_assets.domain.projects.ids import validate_project_id
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.storage_keys import submission_key
from resources.media_store import MediaStore


def submission_keys(project_id: str) -> tuple[str, str]:
    return submission_key(project_id, "screenplay.fountain"), submission_key(project_id, "submission.json")


def submit_screenplay(
    store: MediaStore, project_id: str, text: str, source_name: str, settings: ProjectSettings
) -> None:
    """Store the script and its settings (each write atomic; the script first, so a submission
    record never points at a missing script)."""
    script_key, record_key = submission_keys(validate_project_id(project_id))
    store.put_bytes(script_key, text.encode("utf-8"))
    store.put_bytes(record_key, json.dumps({"source_name": source_name, "settings": settings.to_dict()}).encode())


def load_submission(store: MediaStore, project_id: str) -> tuple[str, str, ProjectSettings]:
    script_key, record_key = submission_keys(validate_project_id(project_id))
    if not store.exists(record_key) or not store.exists(script_key):
        raise FileNotFoundError(f"project {project_id!r} has no submitted screenplay (expected {script_key})")
    record = json.loads(store.get_bytes(record_key))
    text = store.get_bytes(script_key).decode("utf-8")
    return text, record["source_name"], ProjectSettings.from_dict(record["settings"])


def seeds_key(project_id: str) -> str:
    return submission_key(validate_project_id(project_id), "seeds.json")


def load_seed_overrides(store: MediaStore, project_id: str) -> dict[str, int]:
    """Shot code -> seed, for shots re-rendered with `--new-seed`: they keep that seed in later
    renders (the shot list applies it) until asked for another."""
    key = seeds_key(project_id)
    return {code: int(seed) for code, seed in json.loads(store.get_bytes(key)).items()} if store.exists(key) else {}


def save_seed_overrides(store: MediaStore, project_id: str, seeds: dict[str, int]) -> None:
    store.put_bytes(seeds_key(project_id), json.dumps(dict(sorted(seeds.items()))).encode())


def rejection_key(project_id: str, job_id: str) -> str:
    return submission_key(validate_project_id(project_id), f"rejected-{job_id}.json")


def record_rejection(store: MediaStore, project_id: str, job_id: str, reason: str) -> None:
    """Note beside the submission why a request never became a run (the sensor dead-lettered it),
    so the API can say "rejected: <reason>" instead of "queued" forever."""
    store.put_bytes(rejection_key(project_id, job_id), json.dumps({"job_id": job_id, "reason": reason}).encode())


def load_rejection(store: MediaStore, project_id: str, job_id: str) -> str | None:
    """The reason a request was rejected, or None if it was not."""
    key = rejection_key(project_id, job_id)
    return json.loads(store.get_bytes(key))["reason"] if store.exists(key) else None
