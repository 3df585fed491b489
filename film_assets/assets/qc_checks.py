"""Production QC as asset checks, each on the asset it judges and partitioned by project: every
dialogue line in one shot (shot_list), keyframes of the frame size and not blank (keyframes),
clips as long as their shots (shot_clips), lines audible and whole in the mix (audio_mix). The
scan of the cut for black or frozen stretches runs inside final_cut's step, beside its delivery
checks (delivery_checks.py), so that its decode overlaps the sound's measures.

Each runs inside its asset's step, right after the asset is stored (a check step of its own
would cost a render a step's overhead and a second load of its inputs, four times). All block: one
that fails fails its step, stops everything downstream and the run, and the film is reported as
failing QC (film_assets/runs/qc_verdict.py).
They read what the assets stored.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, PreviewWarning

from film_assets.bindings.picture_probe import clip_length, keyframe_luma
from film_assets.domain.screenplay.dialogue import dialogue_lines
from film_assets.domain.screenplay.document import Screenplay
from film_assets.domain.shots.coverage import line_coverage
from film_assets.domain.sound.audio import SAMPLE_RATE, read_wav
from film_assets.domain.sound.line_qc import measure_line
from film_assets.domain.video.picture_qc import (
    BLANK_SPREAD,
    clip_length_problem,
    is_blank,
    luma_spread,
)
from film_assets.partitions import projects
from resources.media_store import MediaNotFound, MediaStore

MAX_LISTED = 8  # problems listed in a result's metadata; the count says how many there were


def listed(problems: list[str]) -> str:
    """Problems as one readable line: the first MAX_LISTED, then how many more."""
    if not problems:
        return "none"
    more = len(problems) - MAX_LISTED
    return "; ".join(problems[:MAX_LISTED]) + (f"; … and {more} more" if more > 0 else "")


def _spec(asset: str, name: str, description: str) -> AssetCheckSpec:
    """A blocking check on `asset`, one result per project. Partitioned checks are a preview in
    Dagster 1.13 and warn so on every load; they are what a film team needs (see delivery_checks.py)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return AssetCheckSpec(name, asset=asset, blocking=True, partitions_def=projects, description=description)


LINE_COVERAGE = _spec(
    "shot_list",
    "every_line_in_one_shot",
    "Each dialogue line of the script is covered by exactly one shot, and its speech ends inside that shot.",
)
KEYFRAMES = _spec(
    "keyframes",
    "keyframes_sized_and_not_blank",
    "Every shot has a stored keyframe of the project's frame size whose picture is not blank (its luma "
    "varies by at least 2 of 255 across the picture).",
)
CLIP_LENGTHS = _spec(
    "shot_clips",
    "clips_as_long_as_their_shots",
    "Every shot's clip lasts its shot-list duration within one frame (its frames counted, and the end of "
    "its last frame).",
)
LINES_IN_THE_MIX = _spec(
    "audio_mix",
    "lines_audible_and_unclipped",
    "Every dialogue line is audible in the mix (at least as strong as the music and other lines in its "
    "window) and whole: no sample at full scale, nothing cut off by the film's end.",
)
QC_SPECS = [LINE_COVERAGE, KEYFRAMES, CLIP_LENGTHS, LINES_IN_THE_MIX]


def _result(spec: AssetCheckSpec, problems: list[str], measured: dict, passed: bool | None = None) -> AssetCheckResult:
    """A blocking check's result: ERROR when it fails, with what was measured and the problems."""
    return AssetCheckResult(
        check_name=spec.name,
        passed=not problems if passed is None else passed,
        severity=AssetCheckSeverity.ERROR,
        metadata={**measured, "problems": listed(problems)},
    )


def every_line_in_one_shot(screenplay: Screenplay, shots: list) -> AssetCheckResult:
    """LINE_COVERAGE's result for a shot list."""
    coverage = line_coverage([line.line for line in dialogue_lines(screenplay)], shots)
    return _result(
        LINE_COVERAGE,
        coverage.problems(),
        {
            "lines": coverage.lines,
            "covered_once": coverage.covered,
            "missing": len(coverage.missing),
            "in_several_shots": len(coverage.repeated),
            "not_in_script": len(coverage.unknown),
            "running_past_shot": len(coverage.overrun),
        },
        passed=coverage.complete,
    )


def keyframes_sized_and_not_blank(shots: list, keyframes: dict, media_store: MediaStore) -> AssetCheckResult:
    """KEYFRAMES' result, measured on the keyframes as stored."""
    problems, spreads = [], {}

    def measure(entry: dict | None):
        if entry is None:
            return None
        try:
            with media_store.reading(entry["key"]) as path:
                return keyframe_luma(path, tuple(entry.get("picture_band") or ()) or None)
        except MediaNotFound:
            return MediaNotFound

    # PNG decoding releases the GIL: two at a time takes about half the time on two cores
    with ThreadPoolExecutor(max_workers=2) as pool:
        measured = list(pool.map(measure, [keyframes.get(shot.code) for shot in shots]))
    for shot, found in zip(shots, measured, strict=True):
        if found is None:
            problems.append(f"{shot.code}: no keyframe")
            continue
        if found is MediaNotFound:
            problems.append(f"{shot.code}: keyframe {keyframes[shot.code]['key']} is not in the store")
            continue
        size, luma = found
        spreads[shot.code] = round(luma_spread(luma), 2)
        if size != (shot.width, shot.height):
            problems.append(f"{shot.code}: {size[0]}x{size[1]}, not {shot.width}x{shot.height}")
        if is_blank(luma):
            problems.append(f"{shot.code}: blank (luma spread {spreads[shot.code]})")
    flattest = min(spreads, key=spreads.get, default=None)
    return _result(
        KEYFRAMES,
        problems,
        {
            "shots": len(shots),
            "keyframes_read": len(spreads),
            "frame_size": f"{shots[0].width}x{shots[0].height}" if shots else "none",
            "flattest_keyframe": f"{flattest} (luma spread {spreads[flattest]})" if flattest else "none",
            "blank_under_spread": BLANK_SPREAD,
        },
    )


def clips_as_long_as_their_shots(shots: list, shot_clips: dict, media_store: MediaStore) -> AssetCheckResult:
    """CLIP_LENGTHS' result, measured on the clips as stored."""
    problems, worst = [], (0.0, "none")
    for shot in shots:
        entry = shot_clips.get(shot.code)
        if entry is None:
            problems.append(f"{shot.code}: no clip")
            continue
        with media_store.reading(entry["key"]) as path:
            frames, end_s = clip_length(path)
        off = abs(end_s - shot.duration_s)
        if off > worst[0]:  # the first shot furthest off; 'none' when every clip is exact
            worst = (off, shot.code)
        if problem := clip_length_problem(shot.code, shot.duration_frames, shot.fps, frames, end_s):
            problems.append(problem)
    fps = shots[0].fps if shots else 0
    return _result(
        CLIP_LENGTHS,
        problems,
        {
            "shots": len(shots),
            "clips_off_by_more_than_a_frame": len(problems),
            "largest_difference_ms": round(worst[0] * 1000, 1),
            "largest_difference_shot": worst[1],
            "one_frame_ms": round(1000 / fps, 1) if fps else 0,
        },
    )


def lines_audible_and_unclipped(audio_mix: dict, dialogue_track: dict, media_store: MediaStore) -> AssetCheckResult:
    """LINES_IN_THE_MIX's result, measured on the mix as stored."""
    lines = [
        (placed["line"], placed["start_s"], read_wav(media_store.get_bytes(dialogue_track[str(placed["line"])]["key"])))
        for placed in audio_mix["lines"]
    ]
    return lines_in_the_mix(read_wav(media_store.get_bytes(audio_mix["key"])), lines)


def lines_in_the_mix(mix: np.ndarray, lines: list[tuple[int, float, np.ndarray]]) -> AssetCheckResult:
    """LINES_IN_THE_MIX's result for the mix's samples, as its stored WAV reads, and each placed
    line's (line, start in seconds, samples as stored)."""
    mix = mix if mix.ndim == 2 else mix[:, None]
    measured = [measure_line(mix, SAMPLE_RATE, line, start_s, samples) for line, start_s, samples in lines]
    problems = [problem for line in measured if (problem := line.problem())]
    quietest = min(measured, key=lambda line: line.over_rest_db, default=None)
    return _result(
        LINES_IN_THE_MIX,
        problems,
        {
            "lines": len(measured),
            "inaudible": sum(1 for line in measured if not line.audible),
            "clipped_or_cut": sum(1 for line in measured if not line.whole),
            "least_clear_line": (
                f"line {quietest.line}: {quietest.over_rest_db:+.1f} dB over the rest" if quietest else "none"
            ),
            "peak_dbfs": round(float(20 * np.log10(max(float(np.abs(mix).max(initial=0.0)), 1e-9))), 2),
        },
    )
