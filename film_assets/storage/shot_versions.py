"""Every render of a shot, kept as a version: projects/<p>/shots/<CODE>/v001/, v002/, …

A version folder holds the shot's keyframe (`keyframe.png`), its clip (`clip.mp4`) and
`version.json`: what made each (the shot key, prompt, seed, model, …), the run that made it and
why (`new`, `changed`, `forced`). A version whose clip only changed (a new camera move or motion
model over the same keyframe) points at the keyframe of the version it came from instead of
copying it.

Reuse is by content: a shot whose key (resources.versioned.content_key of everything that shapes
it) matches a stored version with its media present is not rendered again; the newest such
version is the one used. This is also what makes a retried step (a spot GPU node reclaimed) render
only the shots it had not finished: media is written before its record, so a crash between the two
costs one re-render, never a record pointing at a half-written file.

Version numbers are allocated by listing the shot's folder: two runs rendering the same project at
once could pick the same number. The service's run queue therefore runs one run per project at a
time (a tag limit on dagster/partition in film_assets/runs/dagster.yaml and the Helm values).
Local `filmstudio render` and `rerender` processes take a lock per project
(film_assets/runs/project_lock.py) for the same reason.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from film_assets.storage_keys import shot_version_key, shots_prefix
from resources.media_store import MediaNotFound, MediaStore

VERSION_FILE = "version.json"
KEYFRAME_FILE = "keyframe.png"
CLIP_FILE = "clip.mp4"
_VERSION_KEY = re.compile(r"/shots/(?P<code>[^/]+)/v(?P<number>\d{3,})/" + re.escape(VERSION_FILE) + "$")


def version_name(number: int) -> str:
    return f"v{number:03d}"


class ShotVersions:
    def __init__(self, store: MediaStore, project: str, run_id: str = ""):
        self.store, self.project, self.run_id = store, project, run_id
        self._records: dict[str, list[dict]] | None = None

    def media_key(self, code: str, version: str, name: str) -> str:
        return shot_version_key(self.project, code, version, name)

    # reading

    def all(self) -> dict[str, list[dict]]:
        """Every shot's versions, oldest first (one listing of the project's shots folder)."""
        if self._records is None:
            records: dict[str, list[dict]] = {}
            for key in self.store.list_keys(shots_prefix(self.project)):
                match = _VERSION_KEY.search(key)
                if match is None:
                    continue
                try:
                    record = json.loads(self.store.get_bytes(key))
                except (MediaNotFound, FileNotFoundError, ValueError):
                    continue
                records.setdefault(match["code"], []).append(record)
            for versions in records.values():
                versions.sort(key=lambda record: record["number"])
            self._records = records
        return self._records

    def of(self, code: str) -> list[dict]:
        return self.all().get(code, [])

    def find(self, code: str, part: str, shot_key: str, made_in_this_run: bool = False) -> dict | None:
        """The newest version whose `part` (keyframe or clip) was made from `shot_key` and whose
        media is still stored; with made_in_this_run, only one this run made (a forced re-render
        that is retried must not make a second new version)."""
        for record in reversed(self.of(code)):
            entry = record.get(part)
            if (
                entry
                and entry.get("shot_key") == shot_key
                and self.store.exists(entry["key"])
                and (not made_in_this_run or record.get(f"{part}_run_id") == self.run_id)
            ):
                return record
        return None

    def record(self, code: str, version: str) -> dict:
        return next(record for record in self.of(code) if record["version"] == version)

    def reason(self, code: str, forced: bool) -> str:
        return "forced" if forced else ("changed" if self.of(code) else "new")

    # writing (media first, then the record)

    def add_keyframe(self, code: str, png: bytes, entry: dict, reason: str) -> dict:
        """Store a newly rendered keyframe as the shot's next version; return its record."""
        number = self._next_number(code)
        version = version_name(number)
        key = self.store.put_bytes(self.media_key(code, version, KEYFRAME_FILE), png)
        record = {
            "code": code,
            "version": version,
            "number": number,
            "reason": reason,
            "created_at": _now(),
            "keyframe_run_id": self.run_id,
            "keyframe": {**entry, "key": key, "version": version},
            "clip": None,
        }
        return self._save(record)

    def clip_target(self, keyframe_record: dict, shot_key: str) -> tuple[dict, str]:
        """Where a new clip over this keyframe goes: into the keyframe's own version while that has
        no clip (or only a lost one of the same key), else into a new version that reuses the
        keyframe. Returns the record to complete and the media key to write."""
        code = keyframe_record["code"]
        clip = keyframe_record.get("clip")
        if clip is None or (clip.get("shot_key") == shot_key and not self.store.exists(clip["key"])):
            record = dict(keyframe_record)
        else:
            number = self._next_number(code)
            record = {
                "code": code,
                "version": version_name(number),
                "number": number,
                "created_at": _now(),
                "keyframe_run_id": keyframe_record.get("keyframe_run_id"),
                "keyframe": keyframe_record["keyframe"],
                "clip": None,
            }
            self._remember(record)  # the number is taken, even before the clip is written
        return record, self.media_key(code, record["version"], CLIP_FILE)

    def complete_clip(self, record: dict, entry: dict, reason: str) -> dict:
        """Record the clip written at the target's media key; return the version's record."""
        # a version made for its keyframe keeps that reason; one made for a new clip takes this one
        record = {
            **record,
            "reason": record.get("reason") or reason,
            "clip_run_id": self.run_id,
            "clip": {**entry, "version": record["version"]},
        }
        return self._save(record)

    def _next_number(self, code: str) -> int:
        versions = self.of(code)
        return (versions[-1]["number"] + 1) if versions else 1

    def _remember(self, record: dict) -> None:
        versions = self.all().setdefault(record["code"], [])
        versions[:] = [r for r in versions if r["number"] != record["number"]] + [record]
        versions.sort(key=lambda r: r["number"])

    def _save(self, record: dict) -> dict:
        key = self.media_key(record["code"], record["version"], VERSION_FILE)
        self.store.put_bytes(key, json.dumps(record, sort_keys=True, ensure_ascii=False).encode())
        self._remember(record)
        return record


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
