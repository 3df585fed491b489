"""Each finished shot's record, stored beside its media as soon as the shot is done.

A step that loses its pod (a spot GPU node reclaimed) or fails half way is retried; the retry
finds these records and renders only the shots without one. A record counts only if its shot key
(resources.versioned.content_key of everything that shapes the shot) is the one planned now and
its media is still there, so a changed prompt, seed, model or size renders the shot again.
Media is written before its record: a crash between the two costs one re-render, never a record
pointing at a half-written file.
"""

from __future__ import annotations

import json

from resources.media_store import MediaNotFound, MediaStore, media_key


class ShotRecords:
    def __init__(self, store: MediaStore, project: str, asset: str):
        self.store, self.project, self.asset = store, project, asset

    def _key(self, code: str) -> str:
        return media_key(self.project, self.asset, "records", f"{code}.json")

    def reusable(self, code: str, shot_key: str) -> dict | None:
        """The stored entry for this shot if it was made from the same inputs, else None."""
        try:
            entry = json.loads(self.store.get_bytes(self._key(code)))
        except (MediaNotFound, FileNotFoundError, ValueError):
            return None
        if entry.get("shot_key") != shot_key or not self.store.exists(entry["key"]):
            return None
        return entry

    def save(self, code: str, entry: dict) -> None:
        self.store.put_bytes(self._key(code), json.dumps(entry, sort_keys=True).encode())
