"""Keep freed memory in the process for reuse, so film-length sound buffers are not faulted in anew.

glibc's malloc gives every block over its mmap threshold (at most 32 MB, adjusted as it goes) back
to the kernel when freed, and the next such block is faulted in again page by page. A film's sound
is made of such blocks (90 s of stereo float32 is 35 MB; the mix and the QC make dozens of them),
and on the 2-core VMs measured here the page faults weigh as much as the arithmetic. In whole
renders of a one-line change (4 pairs, alternating), audio_mix took 3.0 s instead of 3.5 s and
final_cut 1.2 s instead of 1.6 s with freed memory kept; bench/audio_bench.py times the mix both
ways side by side. The cost is that the process keeps its peak memory mapped until it ends, which
suits a render step and is why only the steps that handle film-length sound ask for it.
"""

from __future__ import annotations

import ctypes
import os
import sys

DISABLE_VARIABLE = "FILMSTUDIO_KEEP_FREED_MEMORY"  # "0" keeps glibc's defaults (for comparison)
KEEP_UP_TO = 1 << 30  # blocks up to 1 GiB come from, and go back to, the process's own heap
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (glibc's malloc.h)


def keep_freed_memory() -> bool:
    """Ask glibc to serve blocks up to KEEP_UP_TO from the heap and not to trim it; True if it
    took effect. Safe to call more than once; a no-op off glibc (macOS, musl) or when disabled."""
    if os.environ.get(DISABLE_VARIABLE) == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, KEEP_UP_TO)) and bool(mallopt(_M_TRIM_THRESHOLD, KEEP_UP_TO))
