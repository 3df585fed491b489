"""Where media lives: one `MediaStore` interface, a local folder by default and S3 in production
(resources/s3_media_store.py, loaded only by the profiles that use it: dagster-aws costs half a
second to import, which every local CLI command would otherwise pay).

Every write is atomic: it goes to a temporary file first and only a finished file takes the key
(a rename on disk; on S3 an object only appears once its upload completes), so a crash mid-render
never leaves a half-written file where a good one is expected.
"""

from __future__ import annotations

import os
import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from dagster import ConfigurableResource
from pydantic import Field


class MediaKeyError(ValueError):
    """A storage key that could escape the store or is otherwise malformed."""


class MediaNotFound(FileNotFoundError):
    """No object is stored under the key."""


class StorageUnavailable(OSError):
    """The store could not take or give an object (S3 errors after its retries, a full disk):
    nothing was stored under the key, and the step can be run again once the store is back."""


def check_key(key: str) -> str:
    path = PurePosixPath(key)
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in key.split("/")) or path.is_absolute():
        raise MediaKeyError(f"storage key {key!r} must be a relative path without '.', '..' or empty parts")
    return key


class MediaStore(ConfigurableResource, ABC):
    """Stores bytes and files under keys like projects/<project>/<asset>/<file>."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> str:
        """Store bytes under key atomically; return the key."""

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object under key; nothing happens when there is none."""

    @abstractmethod
    def list_keys(self, prefix: str) -> list[str]:
        """Every key under prefix, sorted."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """A URI a person or tool can open (file:// or s3://)."""

    @abstractmethod
    @contextmanager
    def writing(self, key: str) -> Iterator[Path]:
        """Yield a local path to write; on success it becomes the object under key, on error
        nothing changes."""

    @abstractmethod
    @contextmanager
    def reading(self, key: str) -> Iterator[Path]:
        """Yield a local path holding the object's bytes (valid inside the block)."""

    def export(self, key: str, destination: Path) -> Path:
        """Copy an object to a local file atomically (used to deliver results to the user)."""
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with self.reading(key) as source:
            _atomic_copy(source, destination)
        return destination


def _atomic_copy(source: Path, destination: Path) -> None:
    temp = destination.with_name(f".{destination.name}.{uuid.uuid4().hex}.part")
    try:
        shutil.copyfile(source, temp)
        os.replace(temp, destination)
    finally:
        temp.unlink(missing_ok=True)


class LocalMediaStore(MediaStore):
    """A folder on this machine: the embedded default."""

    root: str = Field(description="Folder that holds every project's media.")

    def _path(self, key: str) -> Path:
        return Path(self.root) / check_key(key)

    def put_bytes(self, key: str, data: bytes) -> str:
        with self.writing(key) as path:
            path.write_bytes(data)
        return key

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise MediaNotFound(f"nothing stored at {key!r} in {self.root}") from error

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> list[str]:
        root = Path(self.root)
        base = root / prefix.rstrip("/") if prefix else root
        if base.is_file():
            return [prefix]
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file() and not p.name.endswith(".part")
        )

    def uri(self, key: str) -> str:
        return self._path(key).resolve().as_uri()

    @contextmanager
    def writing(self, key: str) -> Iterator[Path]:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        # same folder as the final file, so the rename is atomic; the suffix keeps tools
        # (ffmpeg picks the container from it) happy and list_keys() skips it.
        temp = final.with_name(f".{final.stem}.{uuid.uuid4().hex}.part{final.suffix}")
        try:
            yield temp
            if not temp.is_file():
                raise MediaKeyError(f"nothing was written for {key!r}")
            with open(temp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)

    @contextmanager
    def reading(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise MediaNotFound(f"nothing stored at {key!r} in {self.root}")
        yield path
