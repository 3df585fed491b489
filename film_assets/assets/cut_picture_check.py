"""No black or frozen picture the script does not ask for: a check on final_cut, run inside its
step. The scan decodes the cut once in ffmpeg; started as soon as the cut is assembled, it runs
on the second core while the step draws the contact sheet and measures the sound, so a render
pays little of its time (a check step of its own would pay it all, and a step's overhead).
"""

from __future__ import annotations

import warnings
from concurrent.futures import Future, ThreadPoolExecutor

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, PreviewWarning

from film_assets.assets.kept_results import KeptResult
from film_assets.assets.qc_checks import listed
from film_assets.bindings.picture_probe import dark_and_frozen_stretches
from film_assets.domain.screenplay.document import Screenplay
from film_assets.domain.video.picture_qc import (
    STRETCH_LIMIT_S,
    Stretch,
    closing_transition,
    intended_windows,
    shots_during,
    unintended_stretches,
)
from film_assets.partitions import projects
from film_assets.storage_keys import media_key
from resources.media_store import MediaStore
from resources.versioned import content_key

CHECK_NAME = "no_unasked_black_or_freeze"
PICTURE_QC_VERSION = "1"  # part of the kept scan's key: bump when the detectors' settings change

with warnings.catch_warnings():  # partitioned checks are a preview in Dagster 1.13: see delivery_checks.py
    warnings.simplefilter("ignore", PreviewWarning)
    CHECK_SPEC = AssetCheckSpec(
        CHECK_NAME,
        asset="final_cut",
        blocking=False,  # a held still is often a choice: it warns, a person judges
        partitions_def=projects,
        description="No black or frozen picture longer than a second in the cut where the script asks for "
        "none (a FADE or BLACK transition asks for it around its cut).",
    )


def start_scan(media_store: MediaStore, project: str, final_cut: dict) -> Future:
    """Scan the assembled cut in the background; the future holds its stretches."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cut-scan")
    future = pool.submit(stretches_in_cut, media_store, project, final_cut)
    pool.shutdown(wait=False)  # the thread ends with its one task
    return future


def stretches_in_cut(media_store: MediaStore, project: str, final_cut: dict) -> list[Stretch]:
    """The cut's black and frozen stretches, kept under the clips it joins: its picture is those
    clips stream-copied, so a re-render that changed only the sound (or nothing) decodes nothing."""
    kept = KeptResult(media_store, media_key(project, "final_cut", "picture_qc.json"), [])
    inputs = content_key(PICTURE_QC_VERSION, final_cut["shot_clips"], final_cut["duration_s"])
    found = kept.find(inputs)
    if found is None:
        with media_store.reading(final_cut["video"]) as path:
            stretches = dark_and_frozen_stretches(path, final_cut["duration_s"])
        kept.forget()
        found = kept.remember(inputs, {"stretches": [[s.kind, s.start_s, s.end_s] for s in stretches]})
    return [Stretch(kind, start, end) for kind, start, end in found["stretches"]]


def black_or_freeze_result(found: list[Stretch], shots: list, screenplay: Screenplay) -> AssetCheckResult:
    """The check's result: the stretches the script's transitions do not ask for, with their shots."""
    unasked = unintended_stretches(found, intended_windows(shots, closing_transition(screenplay)))
    problems = [
        f"{s.kind} {s.start_s:.2f}-{s.end_s:.2f} s ({', '.join(shots_during(shots, s.start_s, s.end_s))})"
        for s in unasked
    ]
    longest = max(unasked, key=lambda s: s.duration_s, default=None)
    return AssetCheckResult(
        check_name=CHECK_NAME,
        passed=not unasked,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "black_stretches": sum(1 for s in unasked if s.kind == "black"),
            "frozen_stretches": sum(1 for s in unasked if s.kind == "frozen"),
            "asked_for_by_the_script": sum(1 for s in found if s.duration_s > STRETCH_LIMIT_S) - len(unasked),
            "longest_s": round(longest.duration_s, 2) if longest else 0.0,
            "limit_s": STRETCH_LIMIT_S,
            "problems": listed(problems),
        },
    )
