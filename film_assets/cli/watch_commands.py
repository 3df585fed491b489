"""`filmstudio watch SCRIPT [--project ID] [--out DIR] [--width W] [--height H] [--fps F]`: render
the screenplay again on every save, in one warm process; Ctrl-C stops it."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from film_assets.cli.render_commands import add_script_arguments
from film_assets.cli.reporting import counted, progress_printer

STOPPED = 0  # Ctrl-C is how a watch ends: not a failure


def _describe_plan(plan) -> str:
    from film_assets.cli.plan_commands import describe

    return describe(plan, "the saved script") if plan is not None else "first render of this project"


def _watch(args: argparse.Namespace) -> int:
    from film_assets.runs.watch import Watcher, WatchReport

    say = progress_printer()

    def rendered(result, seconds: dict) -> None:
        parts = ", ".join(f"{name} {value:.1f} s" for name, value in seconds.items() if name != "total")
        say(
            f"{result.project}: {counted(result.shots_rendered, 'shot')} rendered, {result.shots_reused} reused "
            f"in {seconds['total']:.1f} s ({parts})\n  film: {result.final_cut}"
        )
        say(f"watching {args.script}: save it to render again, Ctrl-C to stop")

    report = WatchReport(
        plan=lambda plan: say(_describe_plan(plan)),
        rendered=rendered,
        error=lambda message: say(f"error: {message}\n  (still watching: fix the script and save it)"),
        progress=lambda message: None,  # a save's result is one line; the UI has every step
    )
    given = {name: getattr(args, name) for name in ("width", "height", "fps") if getattr(args, name) is not None}
    watcher = Watcher(Path(args.script), args.project, Path(args.out) if args.out else None, given, report=report)
    say("loading the code location and the instance once (warm from the first save on)")
    started = time.monotonic()
    watcher.studio.defs  # noqa: B018 - load now, not on the first save
    watcher.studio.instance  # noqa: B018
    say(f"ready in {time.monotonic() - started:.1f} s")
    try:
        watcher.run(threading.Event())
    except KeyboardInterrupt:
        print("filmstudio: stopped watching", file=sys.stderr)
    return STOPPED


def add_watch_command(commands) -> None:
    watch = commands.add_parser("watch", help="render a screenplay again every time it is saved (Ctrl-C stops)")
    add_script_arguments(watch)
    watch.set_defaults(handler=_watch)
