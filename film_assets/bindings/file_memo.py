"""A measure of a media file kept, in this process, for as long as the file is unchanged.

A warm process (`filmstudio watch`) checks the same stored keyframes and clips after every save,
and only the few a change re-rendered are new. A file counts as unchanged while its path, inode,
size and modification time (ns) are, as make and rsync judge it; a file replaced by a rename (as
our stores write) has a new inode. A one-off run measures every file once, as before.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Measure = TypeVar("Measure", bound=Callable)

KEPT_PER_MEASURE = 4096  # a few films' worth of shots; the least recently used go first


def _identity(path: Path) -> tuple:
    stat = os.stat(path)
    return (os.path.realpath(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)


def kept_while_unchanged(measure: Measure) -> Measure:
    """Wrap measure(path, *args), whose result must not be modified by its callers."""
    kept: OrderedDict[tuple, object] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(measure)
    def measured(path: Path, *args):
        key = (_identity(path), args)
        with lock:
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
        result = measure(path, *args)
        if key == (_identity(path), args):  # not replaced while it was measured
            with lock:
                kept[key] = result
                if len(kept) > KEPT_PER_MEASURE:
                    kept.popitem(last=False)
        return result

    return measured  # type: ignore[return-value]
