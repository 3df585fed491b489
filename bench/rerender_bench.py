"""Re-render benchmark: applying a one-line script change against a full render, in one run.

    .venv/bin/python bench/rerender_bench.py [--script examples/night_shift.fountain] [--sizes 1280x720,1920x1080] [--fps 24] [--repeat 3]

Every render is `filmstudio render` (or `rerender`) as a user runs it (its own process, the
persistent local instance), so process start and Dagster's run overhead count on every side.
For each frame size, --repeat times (each trial in a fresh FILMSTUDIO_HOME; medians are shown,
as this machine's timings wander by a fifth from run to run):

1. full: renders the film in a fresh FILMSTUDIO_HOME (every shot rendered).
2. edit: changes the words of one dialogue line and renders again with the same --project: only
   the shots covering that line are rendered, the final cut is rebuilt from kept segments.
3. new seed: `filmstudio rerender --shots <one shot> --new-seed`: that shot is rendered again,
   the score, the mix and its AAC encode are reused.
4. nothing changed: `filmstudio rerender` with no shots: every step reuses what it has, which is
   the floor under any change (process start, Dagster's run, the cut's join and QC).
5. full, edited (once): renders the edited script in another fresh FILMSTUDIO_HOME, which is what
   a change cost before shots were reused (the "before" side).
Prints the median time of each kind with its range, its steps, and its ratio to the full render.
Target for the one-line change: <= 25%.

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
    completed = subprocess.run(
        [sys.executable, "-m", "film_assets.cli", *command, "--out", str(home / "out"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=home,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout), seconds


def render(home: Path, script: Path, width: int, height: int, fps: float) -> tuple[dict, float]:
    return _timed(
        home,
        [
            "render",
            str(script),
            "--project",
            "bench",
            "--width",
            str(width),
            "--height",
            str(height),
            "--fps",
            str(fps),
        ],
    )


def new_seed(home: Path, shot: str) -> tuple[dict, float]:
    return _timed(home, ["rerender", "bench", "--shots", shot, "--new-seed"])


def edit_one_line(text: str, variant: int = 0) -> tuple[str, str]:
    """The script with the words of its first dialogue line in the second third changed (each
    variant differently, so every repeat renders a line no earlier run has spoken)."""
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        cue, words = lines[index - 1].strip(), lines[index].strip()
        if (
            re.fullmatch(r"[A-ZÀ-Ý][A-ZÀ-Ý0-9 .'’-]+", cue)
            and words
            and not words.startswith("(")
            and index > len(lines) // 3
        ):
            tail = ", or so they told me" + ", again" * variant + "."
            lines[index] = lines[index].replace(words, words.rstrip(".!?") + tail)
            return "".join(lines), f"line {index + 1} ({cue}): {words!r}"
    raise SystemExit("no dialogue line found to edit")


KINDS = ("full", "change", "new seed", "nothing changed")


def measure_once(home: Path, script: Path, edited: Path, width: int, height: int, fps: float) -> dict:
    """One full render in a fresh home, then the three kinds of re-render on it."""
    import pandas as pd

    home.mkdir()
    runs = {"full": render(home, script, width, height, fps), "change": render(home, edited, width, height, fps)}
    codes = list(pd.read_parquet(home / "media" / "projects" / "bench" / "shot_list" / "shot_list.parquet")["code"])
    runs["new seed"] = new_seed(home, codes[len(codes) // 2])
    runs["nothing changed"] = _timed(home, ["rerender", "bench"])

    os.environ["DAGSTER_HOME"] = str(home / "dagster_home")
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        steps = {kind: step_seconds(instance, result["run_id"]) for kind, (result, _) in runs.items()}
    return {"runs": runs, "steps": steps, "shot": codes[len(codes) // 2]}


def median_run(trials: list[dict], kind: str) -> tuple[dict, float, dict, list[float]]:
    """(result, seconds, steps) of the trial whose time for this kind is the median, and all times."""
    ordered = sorted(trials, key=lambda trial: trial["runs"][kind][1])
    middle = ordered[(len(ordered) - 1) // 2]
    return (*middle["runs"][kind], middle["steps"][kind], [trial["runs"][kind][1] for trial in trials])


def report(size: str, where: str, trials: list[dict], fresh: tuple[dict, float]) -> None:
    full, full_s, full_steps, full_all = median_run(trials, "full")
    print(
        f"\n{size}: {full['shots']} shots, {full['duration_s']:.1f} s, storyboard keyframes; edited {where}; "
        f"medians of {len(trials)} (range in brackets)"
    )
    labels = {
        "full": "full render",
        "change": "one-line change, same project",
        "new seed": "one shot again, new seed",
        "nothing changed": "nothing changed (`rerender`)",
    }
    for kind in KINDS:
        result, seconds, steps, times = median_run(trials, kind)
        ratio = "" if kind == "full" else f"  {seconds / full_s:6.1%} of full"
        target = "  (target <= 25%)" if kind == "change" else ""
        print(
            f"  {labels[kind]:32s} {seconds:6.2f} s [{min(times):.2f}-{max(times):.2f}]  "
            f"{result['shots_rendered']:2d} rendered{ratio}{target}"
        )
        print(
            "    steps (s): "
            + ", ".join(f"{step} {secs:.2f}" for step, secs in steps.items())
            + f"; outside the steps {seconds - sum(steps.values()):.2f}"
        )
    change_s = median_run(trials, "change")[1]
    print(
        f"  one-line change, from scratch    {fresh[1]:6.2f} s  ({fresh[0]['shots_rendered']} rendered; before "
        f"reuse): the change now takes {change_s / fresh[1]:.1%} of that"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default=str(REPO / "examples" / "night_shift.fountain"))
    parser.add_argument("--sizes", default="1280x720,1920x1080", help="frame sizes, e.g. 1280x720,1920x1080")
    parser.add_argument("--fps", type=float, default=24.0)
    parser.add_argument("--repeat", type=int, default=3, help="trials per size (each a fresh home); medians are shown")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]

    for width, height in sizes:
        with tempfile.TemporaryDirectory(prefix="rerender-bench-") as folder:
            folder = Path(folder)
            script = folder / "film.fountain"
            script.write_text(Path(args.script).read_text())
            trials = []
            for trial in range(args.repeat):
                edited_text, where = edit_one_line(script.read_text(), trial)
                edited = folder / f"film-edited-{trial}.fountain"
                edited.write_text(edited_text)
                trials.append(measure_once(folder / f"trial-{trial}", script, edited, width, height, args.fps))
            (folder / "scratch").mkdir()
            fresh = render(folder / "scratch", edited, width, height, args.fps)
            if trials[0]["runs"]["full"][0]["shots"] < 12:
                print(
                    f"warning: {trials[0]['runs']['full'][0]['shots']} shots; the issue asks for a film of at least 12"
                )
            report(f"{width}x{height} {args.fps:g} fps", where, trials, fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
