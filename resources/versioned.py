"""The base of every resource that makes media: it names itself and its version, which every
materialization records so lineage says what made each render, and it can say, before rendering,
which settings shape its output (the shot keys that let finished shots be reused)."""

import hashlib
import json
from abc import ABC, abstractmethod

from dagster import ConfigurableResource

# Settings that change how fast media is made, never what it looks like (tests hold batches equal
# to one-at-a-time renders), so changing them re-renders nothing.
OUTPUT_NEUTRAL_SETTINGS = frozenset({"batch_size", "compile_unet", "decode_chunk_size"})


def content_key(*parts) -> str:
    """A short hash of JSON-able parts: equal parts, equal key."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


class MediaMaker(ConfigurableResource, ABC):
    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def version(self) -> str:
        """Bump when output changes for the same input, so stored media counts as stale."""

    def preflight(self, width: int, height: int) -> None:
        """Fail fast, before a run starts, on settings that cannot work (cheap: loads no model)."""

    def output_settings(self) -> dict:
        """The resource's settings that shape its output."""
        return {name: value for name, value in self.model_dump().items() if name not in OUTPUT_NEUTRAL_SETTINGS}
