"""The resources of a CPU render on a given media store, for tests that materialize the assets
in-process on a store of their own (S3 on moto, a store behind a fault proxy, a full disk)."""

from __future__ import annotations

from pathlib import Path

from resources.animator import CameraMoveAnimator
from resources.composer import ProceduralComposer
from resources.io_manager import MediaStoreIOManager
from resources.renderer import StoryboardRenderer
from resources.review_db import ReviewDatabase, local_review_url
from resources.voice import EspeakVoice


def cpu_render_resources(store, folder: Path) -> dict:
    """Storyboard keyframes, camera moves, espeak voices and the procedural score, media on
    `store`, reviews in a SQLite database under `folder`."""
    return {
        "media_store": store,
        "io_manager": MediaStoreIOManager(media_store=store),
        "renderer": StoryboardRenderer(),
        "voice": EspeakVoice(),
        "composer": ProceduralComposer(),
        "animator": CameraMoveAnimator(),
        "review_db": ReviewDatabase(url=local_review_url(folder)),
    }
