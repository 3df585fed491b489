"""One render of a project at a time on this machine.

Two renders of one project at once would race for its shot version numbers, its kept sound and
its final cut. The service's run queue already runs one run per project (film_assets/stack/
dagster.yaml); `filmstudio render` and `rerender` run in-process, outside that queue, so they take
a lock file per project under FILMSTUDIO_HOME (the filelock package: what Dagster and Hugging Face
use for the same job). A second render of the same project says it is waiting and starts once the
first is done; other projects are not held up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


@contextmanager
def project_lock(folder: Path, project: str, progress: Callable[[str], None]) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / f"{project}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        progress(f"project {project}: another render of it is running on this machine; waiting for it to end")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
