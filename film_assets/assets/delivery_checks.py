"""Delivery QC as asset checks on final_cut, measured on the delivered MP4 and SRT."""

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, PreviewWarning

from film_assets.assets.kept_results import KeptResult
from film_assets.bindings.allocator import keep_freed_memory
from film_assets.bindings.media_probe import audio_stream_sha256, read_delivered, video_timing
from film_assets.domain.video.delivery_qc import (
    CUE_TOLERANCE_S,
    PRESENCE_CORRELATION,
    line_presence,
    loudness_of,
    parse_srt,
)
from film_assets.partitions import projects
from resources.versioned import content_key

LOUDNESS_TOLERANCE_LU = 1.0
QC_VERSION = "1"  # part of the kept measures' key: bump when a measure changes

# Each is part of the delivery spec a distributor checks: a film that misses one is not delivered,
# so all four block (a failing one fails the final_cut step, and the film is reported as failing
# QC). Their results carry ERROR severity, AssetCheckResult's default.
# Partitioned checks are a preview in Dagster 1.13 and warn so on every load of the definitions;
# they are what a film team needs (each result is its project's), so the warning is not shown.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", PreviewWarning)
    CHECK_SPECS = [
        AssetCheckSpec(
            "loudness_on_target",
            asset="final_cut",
            blocking=True,
            partitions_def=projects,  # each result is its project's: the Checks tab filters by project
            description=f"Integrated loudness within ±{LOUDNESS_TOLERANCE_LU:g} LU of the project's target.",
        ),
        AssetCheckSpec(
            "true_peak_within_ceiling",
            asset="final_cut",
            blocking=True,
            partitions_def=projects,
            description="True peak (4x oversampled) at or under the project's ceiling (-1 dBTP by default).",
        ),
        AssetCheckSpec(
            "every_line_heard_and_subtitled",
            asset="final_cut",
            blocking=True,
            partitions_def=projects,
            description="Each dialogue line is audible where it belongs and has a subtitle cue starting "
            f"within {CUE_TOLERANCE_S * 1000:.0f} ms of its speech.",
        ),
        AssetCheckSpec(
            "audio_video_in_sync",
            asset="final_cut",
            blocking=True,
            partitions_def=projects,
            description="Audio and video durations equal within one frame.",
        ),
    ]


def delivery_checks(
    film_path: Path,
    srt_text: str,
    mix: dict,
    load_clip: Callable[[int], np.ndarray],
    fps: float,
    kept: KeptResult | None = None,
    clip_hashes: dict[str, str] | None = None,
) -> list[AssetCheckResult]:
    """The checks, measured on the delivered file. With `kept`, the sound's measures are kept under
    a hash of the delivered audio stream and reused while that stream is the same, byte for byte
    (a re-render that changed only pictures copies the very same AAC into the cut)."""
    sound, reused = measure_sound(film_path, mix, load_clip, kept, clip_hashes)
    _, video_s = video_timing(film_path)
    measured = "reused: the delivered audio stream is unchanged" if reused else "decoded from the delivered file"
    lufs, peak = sound["integrated_lufs"], sound["true_peak_dbtp"]
    results = [
        AssetCheckResult(
            check_name="loudness_on_target",
            passed=abs(lufs - mix["target_lufs"]) <= LOUDNESS_TOLERANCE_LU,
            metadata={"integrated_lufs": round(lufs, 2), "target_lufs": mix["target_lufs"], "measured": measured},
        ),
        AssetCheckResult(
            check_name="true_peak_within_ceiling",
            passed=peak <= mix["ceiling_dbtp"] + 1e-6,
            metadata={"true_peak_dbtp": round(peak, 2), "ceiling_dbtp": mix["ceiling_dbtp"], "measured": measured},
        ),
    ]
    cues = parse_srt(srt_text)
    missing = []
    for placed in mix["lines"]:
        heard = sound["heard"][str(placed["line"])]
        cued = any(abs(start - placed["start_s"]) <= CUE_TOLERANCE_S for start, _, _ in cues)
        if heard < PRESENCE_CORRELATION or not cued:
            missing.append(f"line {placed['line']}: heard {heard:.2f}, cue {'yes' if cued else 'no'}")
    results.append(
        AssetCheckResult(
            check_name="every_line_heard_and_subtitled",
            passed=not missing and len(cues) == len(mix["lines"]),
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "lines": len(mix["lines"]),
                "cues": len(cues),
                "problems": "; ".join(missing) or "none",
                "measured": measured,
            },
        )
    )
    drift = abs(sound["audio_s"] - video_s)
    results.append(
        AssetCheckResult(
            check_name="audio_video_in_sync",
            passed=drift <= 1 / fps,
            metadata={
                "audio_s": round(sound["audio_s"], 4),
                "video_s": round(video_s, 4),
                "drift_ms": round(drift * 1000, 1),
                "one_frame_ms": round(1000 / fps, 1),
            },
        )
    )
    return results


def measure_sound(
    film_path: Path,
    mix: dict,
    load_clip: Callable[[int], np.ndarray],
    kept: KeptResult | None,
    clip_hashes: dict[str, str] | None,
) -> tuple[dict, bool]:
    """(loudness, true peak, duration and each line's presence in the delivered sound, reused?)."""
    inputs = None
    if kept is not None:
        inputs = content_key(
            QC_VERSION,
            audio_stream_sha256(film_path),
            clip_hashes or {},
            [(placed["line"], placed["start_s"]) for placed in mix["lines"]],
        )
        found = kept.find(inputs)
        if found is not None:
            return found, True
    keep_freed_memory()  # the film's decoded sound: see film_assets/bindings/allocator.py
    film = read_delivered(film_path)
    lufs, peak = loudness_of(film)
    sound = {
        "integrated_lufs": lufs,
        "true_peak_dbtp": peak,
        "audio_s": film.audio_duration_s,
        "heard": {
            str(placed["line"]): line_presence(film, placed["start_s"], load_clip(placed["line"]))
            for placed in mix["lines"]
        },
    }
    if kept is not None:
        kept.forget()
        kept.remember(inputs, sound)
    return sound, False
