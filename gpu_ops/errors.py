"""Errors a user can act on: each names the model and the setting to change.

Both subclass RuntimeError so callers that do not know them still treat them as failures. This
module imports nothing heavy, so orchestration code can catch them without importing torch.
"""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """A model could not be found or loaded (missing folder, unknown hub id offline, bad scheduler)."""

    def __init__(self, model: str, message: str):
        self.model = model
        super().__init__(message)


class ModelOutOfMemory(RuntimeError):
    """The device ran out of memory even rendering one image at a time."""

    def __init__(self, model: str | None, message: str):
        self.model = model
        super().__init__(message)
