"""Results kept between runs with the key of the inputs that made them, so an unchanged step is
reused instead of redone.

A targeted re-render (a forced shot, a new seed, another picture model) leaves every line and the
score as they were: the score, the mix and the mix's AAC encode are then reused, which is most of
what such a run would otherwise cost after its shots. The record is removed before its files are
replaced and written after them, so a run that dies half way never leaves a record that vouches
for files it did not finish.
"""

from __future__ import annotations

import json

from resources.media_store import MediaStore


class KeptResult:
    def __init__(self, store: MediaStore, record_key: str, file_keys: list[str]):
        self.store, self.record_key, self.file_keys = store, record_key, file_keys

    def find(self, inputs_key: str) -> dict | None:
        """The kept value when it was made from these inputs and all its files are there."""
        if not self.store.exists(self.record_key):
            return None
        record = json.loads(self.store.get_bytes(self.record_key))
        if record.get("inputs") != inputs_key or not all(self.store.exists(key) for key in self.file_keys):
            return None
        return record["value"]

    def forget(self) -> None:
        """Call before replacing the files."""
        self.store.delete(self.record_key)

    def remember(self, inputs_key: str, value: dict) -> dict:
        """Call once every file is written."""
        self.store.put_bytes(
            self.record_key, json.dumps({"inputs": inputs_key, "value": value}, sort_keys=True).encode()
        )
        return value
