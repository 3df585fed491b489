"""Render steps keep freed memory for reuse: a second film-length buffer is not faulted in again."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from film_assets.bindings.allocator import DISABLE_VARIABLE
from tests.conftest import REPO

# Allocates an 80 MB buffer (over glibc's largest mmap threshold), frees it, allocates another and
# prints the page faults that second one took. In a process of its own: the setting is process-wide.
PROBE = """
import resource, numpy as np
from film_assets.bindings.allocator import keep_freed_memory
took = keep_freed_memory()
block = np.ones(10_000_000); del block
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = np.ones(10_000_000)
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _second_buffer_faults(**env: str) -> tuple[bool, int]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **env, "NUMPY_MADVISE_HUGEPAGE": "0"},
    )  # count 4 KiB pages, whatever the kernel's THP
    took, faults = result.stdout.split()
    return took == "True", int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is what this tunes")
def test_a_freed_film_length_buffer_is_reused_not_faulted_in_again():
    kept, kept_faults = _second_buffer_faults()
    default, default_faults = _second_buffer_faults(**{DISABLE_VARIABLE: "0"})
    assert kept and not default
    # the same memory again, against ~20,000 fresh 4 KiB pages from the kernel
    assert kept_faults < 100 and default_faults > 10 * max(kept_faults, 100)
