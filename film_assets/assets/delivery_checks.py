"""Delivery QC as asset checks on final_cut, measured on the delivered MP4 and SRT."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec

from film_assets.domain.delivery_qc import (
    CUE_TOLERANCE_S, PRESENCE_CORRELATION, loudness_of, line_presence, parse_srt, read_delivered,
)

LOUDNESS_TOLERANCE_LU = 1.0

CHECK_SPECS = [
    AssetCheckSpec("loudness_on_target", asset="final_cut",
                   description=f"Integrated loudness within ±{LOUDNESS_TOLERANCE_LU:g} LU of the project's target."),
    AssetCheckSpec("true_peak_within_ceiling", asset="final_cut",
                   description="True peak (4x oversampled) at or under the project's ceiling (-1 dBTP by default)."),
    AssetCheckSpec("every_line_heard_and_subtitled", asset="final_cut",
                   description="Each dialogue line is audible where it belongs and has a subtitle cue starting "
                               f"within {CUE_TOLERANCE_S * 1000:.0f} ms of its speech."),
    AssetCheckSpec("audio_video_in_sync", asset="final_cut",
                   description="Audio and video durations equal within one frame."),
]


def delivery_checks(film_path: Path, srt_text: str, mix: dict, load_clip: Callable[[int], np.ndarray],
                    fps: float) -> list[AssetCheckResult]:
    film = read_delivered(film_path)
    lufs, peak = loudness_of(film)
    results = [
        AssetCheckResult(check_name="loudness_on_target", passed=abs(lufs - mix["target_lufs"]) <= LOUDNESS_TOLERANCE_LU,
                         metadata={"integrated_lufs": round(lufs, 2), "target_lufs": mix["target_lufs"]}),
        AssetCheckResult(check_name="true_peak_within_ceiling", passed=peak <= mix["ceiling_dbtp"] + 1e-6,
                         metadata={"true_peak_dbtp": round(peak, 2), "ceiling_dbtp": mix["ceiling_dbtp"]}),
    ]
    cues = parse_srt(srt_text)
    missing = []
    for placed in mix["lines"]:
        heard = line_presence(film, placed["start_s"], load_clip(placed["line"]))
        cued = any(abs(start - placed["start_s"]) <= CUE_TOLERANCE_S for start, _, _ in cues)
        if heard < PRESENCE_CORRELATION or not cued:
            missing.append(f"line {placed['line']}: heard {heard:.2f}, cue {'yes' if cued else 'no'}")
    results.append(AssetCheckResult(
        check_name="every_line_heard_and_subtitled", passed=not missing and len(cues) == len(mix["lines"]),
        severity=AssetCheckSeverity.ERROR,
        metadata={"lines": len(mix["lines"]), "cues": len(cues), "problems": "; ".join(missing) or "none"}))
    drift = abs(film.audio_duration_s - film.video_duration_s)
    results.append(AssetCheckResult(
        check_name="audio_video_in_sync", passed=drift <= 1 / fps,
        metadata={"audio_s": round(film.audio_duration_s, 4), "video_s": round(film.video_duration_s, 4),
                  "drift_ms": round(drift * 1000, 1), "one_frame_ms": round(1000 / fps, 1)}))
    return results
