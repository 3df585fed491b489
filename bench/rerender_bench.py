"""Re-render benchmark: applying a one-line script change against a full render, in one run.

    .venv/bin/python bench/rerender_bench.py [--script examples/night_shift.fountain] [--width 1280 --height 720 --fps 24]

Every render is `filmstudio render` as a user runs it (its own process, the persistent local
instance), so process start and Dagster's run overhead count on both sides.

1. full: renders the film in a fresh FILMSTUDIO_HOME (every shot rendered).
2. edit: changes the words of one dialogue line and renders again with the same --project: only
   the shots covering that line are rendered, the final cut is rebuilt from kept segments.
3. full, edited: renders the edited script in another fresh FILMSTUDIO_HOME, which is what a
   change cost before shots were reused (the "before" side).
Prints each time, the steps of the edit run and the ratio edit / full. Target: <= 25%.

The keyframes are CPU storyboards, which cost well under a second a shot: the fixed work of any
change (process start, the whole film's mix, its AAC encode and delivery QC) dominates the change.
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


def render(home: Path, script: Path, args) -> tuple[dict, float]:
    env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}, "FILMSTUDIO_HOME": str(home)}
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "film_assets.cli", "render", str(script), "--project", "bench", "--out", str(home / "out"),
         "--width", str(args.width), "--height", str(args.height), "--fps", str(args.fps), "--json"],
        env=env, capture_output=True, text=True, cwd=home)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"render failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout), seconds


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default=str(REPO / "examples" / "night_shift.fountain"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=float, default=24.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rerender-bench-") as folder:
        folder = Path(folder)
        script, edited = folder / "film.fountain", folder / "film-edited.fountain"
        script.write_text(Path(args.script).read_text())
        edited_text, where = edit_one_line(script.read_text())
        edited.write_text(edited_text)
        (folder / "a").mkdir()
        (folder / "b").mkdir()

        full, full_s = render(folder / "a", script, args)
        if full["shots"] < 12:
            print(f"warning: {full['shots']} shots; the issue asks for a film of at least 12")
        change, change_s = render(folder / "a", edited, args)
        fresh, fresh_s = render(folder / "b", edited, args)

        os.environ["DAGSTER_HOME"] = str(folder / "a" / "dagster_home")
        from dagster import DagsterInstance

        with DagsterInstance.get() as instance:
            steps = step_seconds(instance, change["run_id"])
            full_steps = step_seconds(instance, full["run_id"])

    print(f"film: {Path(args.script).name}, {full['shots']} shots, {full['duration_s']:.1f} s at "
          f"{args.width}x{args.height} {args.fps:g} fps, storyboard keyframes; edited {where}")
    print(f"full render:                         {full_s:7.2f} s  ({full['shots_rendered']} shots rendered)")
    print(f"one-line change, same project:       {change_s:7.2f} s  ({change['shots_rendered']} rendered, "
          f"{change['shots_reused']} reused)")
    print(f"one-line change, from scratch:       {fresh_s:7.2f} s  ({fresh['shots_rendered']} rendered; before reuse)")
    print("steps of the full render (s): " + ", ".join(f"{step} {secs:.2f}" for step, secs in full_steps.items()))
    print("steps of the change (s):      " + ", ".join(f"{step} {secs:.2f}" for step, secs in steps.items()))
    print(f"outside the steps (process start, run start and end, delivery): full {full_s - sum(full_steps.values()):.2f} s, "
          f"change {change_s - sum(steps.values()):.2f} s")
    print(f"ratio change / full render:          {change_s / full_s:6.1%}  (target <= 25%)")
    print(f"ratio change / change from scratch:  {change_s / fresh_s:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
