"""Audio benchmark: the time of each audio stage for a film of 60 s or more, in one run.

    .venv/bin/python bench/audio_bench.py [--script examples/night_shift.fountain]

Renders the film through Dagster (small frames: the picture is not what is measured) and reads
each audio step's time from the run's event log; then times the delivery QC on the delivered
file separately (it runs inside final_cut). Prints seconds per stage and per minute of film.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from render_bench import step_seconds  # noqa: E402  (same event-log reading as the render benchmark)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default=str(REPO / "examples" / "night_shift.fountain"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="audio-bench-") as folder:
        home = Path(folder)
        os.environ["FILMSTUDIO_HOME"] = str(home)
        os.environ.pop("DAGSTER_HOME", None)
        from film_assets.assets.delivery_checks import delivery_checks
        from film_assets.domain.audio import read_wav
        from film_assets.domain.project_settings import ProjectSettings
        from film_assets.render import instance_for, render_project
        from resources.profiles import current_environment

        result = render_project(Path(args.script), "bench", home / "out", ProjectSettings(320, 180, 12))
        steps = step_seconds(instance_for(current_environment()), result.run_id)
        media = home / "media"
        project = media / "projects" / "bench"
        mix = json.loads((project / "audio_mix" / "audio_mix.json").read_text())
        track = json.loads((project / "dialogue_track" / "dialogue_track.json").read_text())
        started = time.perf_counter()
        checks = delivery_checks(result.final_cut, result.subtitles.read_text(), mix,
                                 lambda line: read_wav((media / track[str(line)]["key"]).read_bytes()), 12.0)
        qc = time.perf_counter() - started

    if result.duration_s < 60:
        print(f"warning: {Path(args.script).name} is only {result.duration_s:.1f} s; the issue asks for 60 s or more")
    minutes = result.duration_s / 60
    stages = [("dialogue_track (speech for every line)", steps["dialogue_track"]),
              ("music_track (score)", steps["music_track"]),
              ("audio_mix (place, duck, loudness, true-peak limit, AAC)", steps["audio_mix"]),
              ("delivery QC (decode, loudness, true peak, lines)", qc),
              ("final_cut step (mux by copy + QC)", steps["final_cut"])]
    print(f"film: {Path(args.script).name}, {result.duration_s:.1f} s, {result.dialogue_lines} dialogue lines")
    for name, seconds in stages:
        print(f"  {name:55s} {seconds:6.2f} s  ({seconds / minutes:5.2f} s per minute of film)")
    print("  checks: " + ", ".join(f"{c.check_name}={'pass' if c.passed else 'FAIL'}" for c in checks))
    print(f"  delivered: {mix['integrated_lufs']} LUFS (target {mix['target_lufs']}), "
          f"mix true peak {mix['true_peak_dbtp']} dBTP (ceiling {mix['ceiling_dbtp']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
