"""Watch-mode benchmark: a one-line change saved while `filmstudio watch` runs, against a cold
full render, measured side by side in one run.

    .venv/bin/python bench/watch_bench.py [--script examples/night_shift.fountain] [--size 1280x720] [--fps 24] [--repeat 3]

Per trial, each in fresh FILMSTUDIO_HOMEs:
1. cold full: `filmstudio render` as a user runs it, in its own process, every shot rendered;
2. cold change: the script with one dialogue line's words changed, rendered again the same way
   (process start, imports and the code location load every time);
3. warm change: the same edit rendered by a warm watch session (the code location, the instance
   and the media makers loaded once, as `filmstudio watch` keeps them), after its first render.
Prints the medians, the warm change's ratio to the cold full render (target <= 25%) and where the
warm change's time went: plan, script, dialogue, picture, sound, cut and QC, and Dagster's own
time (the run's wall time outside its steps).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.rerender_bench import edit_one_line, render  # noqa: E402


def cold(home: Path, script: Path, width: int, height: int, fps: float) -> float:
    home.mkdir(parents=True, exist_ok=True)
    return render(home, script, width, height, fps)[1]


def warm_change(home: Path, script: Path, edited_text: str, width: int, height: int, fps: float) -> dict:
    """A watch session's first render, then the edit saved: the edit's seconds, by part."""
    from film_assets.runs.local_render import LocalStudio
    from film_assets.runs.watch import Watcher, WatchReport

    home.mkdir(parents=True, exist_ok=True)
    os.environ["FILMSTUDIO_HOME"] = str(home)
    os.environ.pop("DAGSTER_HOME", None)
    watched = home / script.name
    watched.write_text(script.read_text())
    measured = []
    report = WatchReport(rendered=lambda result, seconds: measured.append((result, seconds)))
    watcher = Watcher(
        watched, "bench", home / "out", {"width": width, "height": height, "fps": fps}, LocalStudio(), report
    )
    watcher.render_once()
    watched.write_text(edited_text)
    watcher.render_once()
    (_, first), (result, seconds) = measured
    watcher.studio.instance.dispose()
    return {**seconds, "shots_rendered": result.shots_rendered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default=str(REPO / "examples" / "night_shift.fountain"))
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--fps", type=float, default=24.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    script = Path(args.script)
    fulls, colds, warms = [], [], []
    with tempfile.TemporaryDirectory(prefix="watch-bench-") as folder:
        for trial in range(args.repeat):
            edited_text, what = edit_one_line(script.read_text(), trial)
            edited = Path(folder) / f"edited-{trial}.fountain"
            edited.write_text(edited_text)
            home = Path(folder) / f"cold-{trial}"
            fulls.append(cold(home, script, width, height, args.fps))
            colds.append(cold(home, edited, width, height, args.fps))
            warms.append(warm_change(Path(folder) / f"warm-{trial}", script, edited_text, width, height, args.fps))
            print(
                f"trial {trial + 1}: {what}: cold full {fulls[-1]:.2f} s, cold change {colds[-1]:.2f} s, "
                f"warm change {warms[-1]['total']:.2f} s ({warms[-1]['shots_rendered']} shots rendered)",
                flush=True,
            )
    full, cold_change = statistics.median(fulls), statistics.median(colds)
    warm = statistics.median(w["total"] for w in warms)
    print(f"\n{script.name} at {args.size}, {args.fps:g} fps; medians of {args.repeat}")
    print(f"  cold full render       {full:7.2f} s  100%")
    print(f"  cold one-line change   {cold_change:7.2f} s  {cold_change / full:5.1%}")
    print(f"  warm one-line change   {warm:7.2f} s  {warm / full:5.1%}  (target <= 25%)")
    parts = sorted({name for w in warms for name in w if name not in ("total", "shots_rendered")})
    print(
        "  warm change, by part (median s): "
        + ", ".join(f"{name} {statistics.median(w.get(name, 0.0) for w in warms):.2f}" for name in parts)
    )


if __name__ == "__main__":
    main()
