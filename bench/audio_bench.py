"""Audio benchmark: the time of each audio stage for a film of 60 s or more, in one run.

    .venv/bin/python bench/audio_bench.py [--script examples/night_shift.fountain]

Renders the film through Dagster (small frames: the picture is not what is measured) and reads
each audio step's time from the run's event log; then times the delivery QC on the delivered
file separately (it runs inside final_cut). Prints seconds per stage and per minute of film.
Then encodes the film's mix as AAC both ways side by side, ffmpeg's constant-rate mode
(-b:a 192k, what the mix used before) against the quality mode in AAC_ARGS: median time of 3,
bitrate, SNR of the decoded sound against the mix, and true-peak overshoot. Last, mixes the film
again in fresh processes with glibc's default allocator and with freed memory kept
(film_assets/bindings/allocator.py), three of each, alternating.
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
        from film_assets.domain.projects.settings import ProjectSettings
        from film_assets.domain.sound.audio import read_wav
        from film_assets.runs.local_render import instance_for, render_project
        from resources.profiles import current_environment

        result = render_project(Path(args.script), "bench", home / "out", ProjectSettings(320, 180, 12))
        steps = step_seconds(instance_for(current_environment()), result.run_id)
        media = home / "media"
        project = media / "projects" / "bench"
        mix = json.loads((project / "audio_mix" / "audio_mix.json").read_text())
        track = json.loads((project / "dialogue_track" / "dialogue_track.json").read_text())
        started = time.perf_counter()
        checks = delivery_checks(
            result.final_cut,
            result.subtitles.read_text(),
            mix,
            lambda line: read_wav((media / track[str(line)]["key"]).read_bytes()),
            12.0,
        )
        qc = time.perf_counter() - started
        aac_modes = compare_aac_modes(media / mix["key"], home)
        allocators = compare_allocators(project)

    if result.duration_s < 60:
        print(f"warning: {Path(args.script).name} is only {result.duration_s:.1f} s; the issue asks for 60 s or more")
    minutes = result.duration_s / 60
    stages = [
        ("dialogue_track (speech for every line)", steps["dialogue_track"]),
        ("music_track (score)", steps["music_track"]),
        ("audio_mix (place, duck, loudness, true-peak limit, AAC)", steps["audio_mix"]),
        ("delivery QC (decode, loudness, true peak, lines)", qc),
        ("final_cut step (mux by copy + QC)", steps["final_cut"]),
    ]
    print(f"film: {Path(args.script).name}, {result.duration_s:.1f} s, {result.dialogue_lines} dialogue lines")
    for name, seconds in stages:
        print(f"  {name:55s} {seconds:6.2f} s  ({seconds / minutes:5.2f} s per minute of film)")
    print("  checks: " + ", ".join(f"{c.check_name}={'pass' if c.passed else 'FAIL'}" for c in checks))
    print(
        f"  delivered: {mix['integrated_lufs']} LUFS (target {mix['target_lufs']}), "
        f"mix true peak {mix['true_peak_dbtp']} dBTP (ceiling {mix['ceiling_dbtp']})"
    )
    print("AAC encode of the mix, side by side (median of 3):")
    for name, row in aac_modes.items():
        print(
            f"  {name:28s} {row['seconds']:5.2f} s  {row['kbps']:4.0f} kb/s  SNR {row['snr_db']:4.1f} dB  "
            f"true-peak overshoot {row['overshoot_db']:+.2f} dB"
        )
    before, after = aac_modes.values()
    print(f"  quality mode / constant rate: {after['seconds'] / before['seconds']:.2f}x the time")
    print("The film's mix in a fresh process (median of 3):")
    for name, seconds in allocators.items():
        print(f"  {name:28s} {seconds:5.2f} s")
    default, kept = allocators.values()
    print(f"  kept / default: {kept / default:.2f}x the time")
    return 0


# Mixes the stored lines and score as audio_mix does, timing mix_tracks only.
MIX_PROBE = """
import json, sys, time
from pathlib import Path
from film_assets.bindings.allocator import keep_freed_memory
from film_assets.assets.sound import AAC_HEADROOM_DB
from film_assets.domain.sound.audio import SAMPLE_RATE, fit_length, read_wav
from film_assets.domain.sound.mix import PlacedLine, mix_tracks, place_dialogue

project = Path(sys.argv[1]); media = project.parents[1]
mix = json.loads((project / "audio_mix" / "audio_mix.json").read_text())
track = json.loads((project / "dialogue_track" / "dialogue_track.json").read_text())
score = json.loads((project / "music_track" / "music_track.json").read_text())
total = round(mix["duration_s"] * SAMPLE_RATE)
placed = [PlacedLine(line["line"], line["start_s"], read_wav((media / track[str(line["line"])]["key"]).read_bytes()),
                     line["pan"]) for line in mix["lines"]]
dialogue = place_dialogue(placed, total, SAMPLE_RATE)
music = fit_length(read_wav((media / score["key"]).read_bytes()), total)
import pyloudnorm, scipy.signal  # loaded before the clock starts: imports are not what is compared
keep_freed_memory()
started = time.perf_counter()
mix_tracks(dialogue, music, SAMPLE_RATE, mix["target_lufs"], mix["ceiling_dbtp"] - AAC_HEADROOM_DB)
print(time.perf_counter() - started)
"""


def compare_allocators(project: Path) -> dict[str, float]:
    """Seconds of the film's mix in a fresh process: glibc's defaults against freed memory kept."""
    import subprocess

    from film_assets.bindings.allocator import DISABLE_VARIABLE

    modes = {"glibc's defaults": "0", "freed memory kept": "1"}
    times: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(3):
        for name, setting in modes.items():
            env = {**os.environ, DISABLE_VARIABLE: setting, "PYTHONPATH": str(REPO)}
            probe = subprocess.run(
                [sys.executable, "-c", MIX_PROBE, str(project)], env=env, check=True, capture_output=True, text=True
            )
            times[name].append(float(probe.stdout))
    return {name: sorted(seconds)[1] for name, seconds in times.items()}


def compare_aac_modes(mix_wav: Path, folder: Path) -> dict[str, dict]:
    """The mix encoded in ffmpeg's constant-rate AAC mode and in AAC_ARGS' quality mode."""
    import subprocess

    import numpy as np
    from imageio_ffmpeg import get_ffmpeg_exe

    from film_assets.domain.sound.audio import read_wav
    from film_assets.domain.sound.loudness import true_peak_dbtp
    from film_assets.domain.video.encoding import AAC_ARGS

    source = read_wav(mix_wav.read_bytes())
    before = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k", "-ar", "48000", "-ac", "2"]
    modes = {"constant rate, -b:a 192k": before, "quality mode (AAC_ARGS)": AAC_ARGS}
    rows = {}
    for name, codec_args in modes.items():
        encoded, times = folder / "mode.m4a", []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(
                [get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(mix_wav), *codec_args, "-f", "ipod", str(encoded)],
                check=True,
            )
            times.append(time.perf_counter() - started)
        pcm = subprocess.run(
            [get_ffmpeg_exe(), "-v", "error", "-i", str(encoded), "-f", "f32le", "-"], check=True, capture_output=True
        ).stdout
        decoded = np.frombuffer(pcm, np.float32).reshape(-1, 2)[: len(source)]
        error = decoded - source[: len(decoded)]
        rows[name] = {
            "seconds": sorted(times)[1],
            "kbps": encoded.stat().st_size * 8 / (len(source) / 48000) / 1000,
            "snr_db": 10 * np.log10(np.sum(np.square(source[: len(decoded)])) / np.sum(np.square(error))),
            "overshoot_db": true_peak_dbtp(decoded) - true_peak_dbtp(source),
        }
    return rows


if __name__ == "__main__":
    sys.exit(main())
