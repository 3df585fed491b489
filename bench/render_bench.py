"""Render benchmark: our whole pipeline against a bare ffmpeg encode of the same frames, in one run.

    .venv/bin/python bench/render_bench.py [--script examples/night_shift.fountain] [--width 1280 --height 720 --fps 24]

1. Renders the film end to end through Dagster (filmstudio render's code path) in a fresh
   FILMSTUDIO_HOME, and reads each step's time from the run's event log.
2. Writes the exact frames of that film (each shot's keyframe under its camera move, before
   encoding) to a raw yuv420p file: not timed.
3. Times ffmpeg encoding that raw file with the same H.264 settings: the bare encode.
Prints both and the ratios. Targets: whole pipeline <= 2.0x the bare encode; the encode and
assembly stages (shot_clips + final_cut) <= 1.2x.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def step_seconds(instance, run_id: str) -> dict[str, float]:
    from dagster import DagsterEventType

    starts, seconds = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            starts[event.step_key] = record.timestamp
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            seconds[event.step_key] = record.timestamp - starts[event.step_key]
    return seconds


def write_raw_frames(home: Path, project: str, raw: Path) -> int:
    """The film's frames before encoding, through the very filter graph shot_clips uses."""
    import pandas as pd

    from film_assets.bindings.ffmpeg import ffmpeg_exe
    from film_assets.domain.shots.table import shots_from_frame
    from film_assets.domain.storyboard.panel import picture_band
    from film_assets.domain.video.encoding import VideoSettings
    from film_assets.domain.video.motion import camera_move_filter

    media = home / "media" / "projects" / project
    shots = shots_from_frame(pd.read_parquet(media / "shot_list" / "shot_list.parquet"))
    with open(raw, "wb") as sink:
        for shot in shots:
            settings = VideoSettings(shot.width, shot.height, shot.fps)
            top, bottom = picture_band(shot.width, shot.height)
            graph = camera_move_filter(
                shot.camera_move, shot.duration_frames, shot.width, shot.height, settings.fps_arg, top, bottom
            )
            subprocess.run(
                [
                    ffmpeg_exe(),
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-i",
                    str(media / "shots" / shot.code / "v001" / "keyframe.png"),
                    "-filter_complex",
                    graph,
                    "-map",
                    "[v]",
                    "-frames:v",
                    str(shot.duration_frames),
                    "-f",
                    "rawvideo",
                    "-pix_fmt",
                    "yuv420p",
                    "-",
                ],
                stdout=sink,
                check=True,
            )
    return sum(shot.duration_frames for shot in shots)


def bare_encode_seconds(raw: Path, width: int, height: int, fps: float, out: Path) -> float:
    from film_assets.bindings.ffmpeg import ffmpeg_exe
    from film_assets.domain.video.encoding import VideoSettings, h264_args

    settings = VideoSettings(width, height, fps)
    started = time.perf_counter()
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-s",
            f"{width}x{height}",
            "-r",
            settings.fps_arg,
            "-i",
            str(raw),
            *h264_args(settings)[2:],
            str(out),
        ],
        check=True,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default=str(REPO / "examples" / "night_shift.fountain"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=float, default=24.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="render-bench-") as folder:
        home = Path(folder)
        os.environ["FILMSTUDIO_HOME"] = str(home)
        os.environ.pop("DAGSTER_HOME", None)
        from film_assets.domain.projects.settings import ProjectSettings
        from film_assets.runs.local_render import instance_for, render_project
        from resources.profiles import current_environment

        started = time.perf_counter()
        result = render_project(
            Path(args.script), "bench", home / "out", ProjectSettings(args.width, args.height, args.fps)
        )
        pipeline = time.perf_counter() - started
        steps = step_seconds(instance_for(current_environment()), result.run_id)

        raw = home / "frames.yuv"
        frames = write_raw_frames(home, "bench", raw)
        bare = bare_encode_seconds(raw, args.width, args.height, args.fps, home / "bare.mp4")
        raw.unlink()

    encode_and_assembly = steps["shot_clips"] + steps["final_cut"]
    print(
        f"film: {Path(args.script).name}, {result.shots} shots, {frames} frames, {result.duration_s:.1f} s "
        f"at {args.width}x{args.height} {args.fps:g} fps"
    )
    print("steps (s): " + ", ".join(f"{step} {secs:.2f}" for step, secs in steps.items()))
    print(f"whole pipeline (render_project, Dagster run + delivery): {pipeline:8.2f} s")
    print(f"encode + assembly (shot_clips + final_cut):              {encode_and_assembly:8.2f} s")
    print(f"final_cut assembly alone:                                {steps['final_cut']:8.2f} s")
    print(f"bare ffmpeg encode of the same frames:                   {bare:8.2f} s")
    print(f"ratio whole pipeline / bare encode:      {pipeline / bare:5.2f}x  (target <= 2.0x)")
    print(f"ratio encode + assembly / bare encode:   {encode_and_assembly / bare:5.2f}x  (target <= 1.2x)")
    print(f"ratio final_cut assembly / bare encode:  {steps['final_cut'] / bare:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
