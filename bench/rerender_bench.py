"""Re-render benchmark: applying a one-line script change against a full render, in one run.

    .venv/bin/python bench/rerender_bench.py [--script examples/night_shift.fountain] [--sizes 1280x720,1920x1080] [--fps 24]

Every render is `filmstudio render` (or `rerender`) as a user runs it (its own process, the
persistent local instance), so process start and Dagster's run overhead count on every side.
For each frame size:

1. full: renders the film in a fresh FILMSTUDIO_HOME (every shot rendered).
2. edit: changes the words of one dialogue line and renders again with the same --project: only
   the shots covering that line are rendered, the final cut is rebuilt from kept segments.
3. new seed: `filmstudio rerender --shots <one shot> --new-seed`: that shot is rendered again,
   the score, the mix and its AAC encode are reused.
4. nothing changed: `filmstudio rerender` with no shots: every step reuses what it has, which is
   the floor under any change (process start, Dagster's run, the cut's join and QC).
5. full, edited: renders the edited script in another fresh FILMSTUDIO_HOME, which is what a
   change cost before shots were reused (the "before" side).
Prints each time, the steps of the edit run and the ratios to the full render. Target: <= 25%.

The keyframes are CPU storyboards, which cost well under a second a shot: the fixed work of a
script change (process start, the whole film's mix, its AAC encode and delivery QC) weighs more
against them than it would against model renders.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.render_bench import step_seconds  # noqa: E402


def _timed(home: Path, command: list[str]) -> tuple[dict, float]:
    env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, "FILMSTUDIO_HOME": str(home)}
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "film_assets.cli", *command, "--out", str(home / "out"), "--json"],
                               env=env, capture_output=True, text=True, cwd=home)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout), seconds


def render(home: Path, script: Path, width: int, height: int, fps: float) -> tuple[dict, float]:
    return _timed(home, ["render", str(script), "--project", "bench", "--width", str(width),
                         "--height", str(height), "--fps", str(fps)])


def new_seed(home: Path, shot: str) -> tuple[dict, float]:
    return _timed(home, ["rerender", "bench", "--shots", shot, "--new-seed"])


def edit_one_line(text: str) -> tuple[str, str]:
    """The script with the words of its first dialogue line after the first scene changed."""
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        cue, words = lines[index - 1].strip(), lines[index].strip()
        if (re.fullmatch(r"[A-ZÀ-Ý][A-ZÀ-Ý0-9 .'’-]+", cue) and words and not words.startswith("(")
                and index > len(lines) // 3):
            lines[index] = lines[index].replace(words, words.rstrip(".!?") + ", or so they told me.")
            return "".join(lines), f"line {index + 1} ({cue}): {words!r}"
    raise SystemExit("no dialogue line found to edit")


def measure(folder: Path, script: Path, edited: Path, width: int, height: int, fps: float) -> dict:
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    full, full_s = render(folder / "a", script, width, height, fps)
    change, change_s = render(folder / "a", edited, width, height, fps)
    import pandas as pd

    codes = list(pd.read_parquet(folder / "a" / "media" / "projects" / "bench" / "shot_list" / "shot_list.parquet")["code"])
    shot = codes[len(codes) // 2]
    reseed, reseed_s = new_seed(folder / "a", shot)
    unchanged, unchanged_s = _timed(folder / "a", ["rerender", "bench"])
    fresh, fresh_s = render(folder / "b", edited, width, height, fps)

    os.environ["DAGSTER_HOME"] = str(folder / "a" / "dagster_home")
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        steps = {name: step_seconds(instance, result["run_id"]) for name, result in
                 (("full", full), ("change", change), ("new seed", reseed))}
    return {"full": (full, full_s), "change": (change, change_s), "new seed": (reseed, reseed_s),
            "nothing changed": (unchanged, unchanged_s),
            "fresh": (fresh, fresh_s), "steps": steps, "shot": shot}


def report(size: str, where: str, m: dict) -> None:
    (full, full_s), (change, change_s) = m["full"], m["change"]
    (reseed, reseed_s), (fresh, fresh_s) = m["new seed"], m["fresh"]
    print(f"\n{size}: {full['shots']} shots, {full['duration_s']:.1f} s, storyboard keyframes; edited {where}")
    print(f"  full render:                       {full_s:7.2f} s  ({full['shots_rendered']} shots rendered)")
    print(f"  one-line change, same project:     {change_s:7.2f} s  ({change['shots_rendered']} rendered, "
          f"{change['shots_reused']} reused)  {change_s / full_s:6.1%} of full (target <= 25%)")
    print(f"  one shot again, new seed ({m['shot']}): {reseed_s:5.2f} s  ({reseed['shots_rendered']} rendered)  "
          f"{reseed_s / full_s:6.1%} of full")
    unchanged, unchanged_s = m["nothing changed"]
    print(f"  nothing changed (`rerender`):      {unchanged_s:7.2f} s  ({unchanged['shots_rendered']} rendered)  "
          f"{unchanged_s / full_s:6.1%} of full: the floor of any run")
    print(f"  one-line change, from scratch:     {fresh_s:7.2f} s  ({fresh['shots_rendered']} rendered; before reuse); "
          f"the change now takes {change_s / fresh_s:.1%} of that")
    for name, result, seconds in (("full", full, full_s), ("change", change, change_s), ("new seed", reseed, reseed_s)):
        steps = m["steps"][name]
        print(f"  steps of {name + ' (s):':<13} " + ", ".join(f"{step} {secs:.2f}" for step, secs in steps.items())
              + f"; outside the steps {seconds - sum(steps.values()):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default=str(REPO / "examples" / "night_shift.fountain"))
    parser.add_argument("--sizes", default="1280x720,1920x1080", help="frame sizes, e.g. 1280x720,1920x1080")
    parser.add_argument("--fps", type=float, default=24.0)
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]

    for width, height in sizes:
        with tempfile.TemporaryDirectory(prefix="rerender-bench-") as folder:
            folder = Path(folder)
            script, edited = folder / "film.fountain", folder / "film-edited.fountain"
            script.write_text(Path(args.script).read_text())
            edited_text, where = edit_one_line(script.read_text())
            edited.write_text(edited_text)
            measured = measure(folder, script, edited, width, height, args.fps)
            if measured["full"][0]["shots"] < 12:
                print(f"warning: {measured['full'][0]['shots']} shots; the issue asks for a film of at least 12")
            report(f"{width}x{height} {args.fps:g} fps", where, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
