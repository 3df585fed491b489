"""Spoken dialogue lines, stored by content: projects/<p>/dialogue_track/lines/<key>.wav and its
record <key>.json (duration, sha256, voice). The dialogue_track asset writes and reuses them; the
plan of a revision reads them to know which lines would be spoken anew."""

from __future__ import annotations

import json
from dataclasses import asdict

from film_assets.storage_keys import media_key
from resources.media_store import MediaStore
from resources.versioned import content_key


def dialogue_line_key(voice, line, voice_id: str) -> str:
    """Everything that shapes a line's audio; its script line number does not, so a line moved
    by an edit above it keeps its clip."""
    return content_key(
        voice.name,
        voice.version,
        voice.output_settings(),
        voice_id,
        line.character,
        line.extensions,
        [asdict(part) for part in line.parts],
    )


def dialogue_line_keys(project: str, key: str) -> tuple[str, str]:
    """The line clip's audio and its record."""
    return (
        media_key(project, "dialogue_track", "lines", f"{key}.wav"),
        media_key(project, "dialogue_track", "lines", f"{key}.json"),
    )


def stored_dialogue_line(store: MediaStore, project: str, voice, line, voice_id: str) -> dict | None:
    """The stored record of a line clip the dialogue_track would reuse (its audio present), or None."""
    wav_key, record_key = dialogue_line_keys(project, dialogue_line_key(voice, line, voice_id))
    if not (store.exists(record_key) and store.exists(wav_key)):
        return None
    return json.loads(store.get_bytes(record_key))
