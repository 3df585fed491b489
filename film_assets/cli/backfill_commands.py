"""`filmstudio backfill`: re-render many projects as one Dagster backfill.

    filmstudio backfill (--projects a,b | --all | --stale) [--assets keyframes,shot_clips]
                        [--no-wait] [--timeout S] [--json]

It uses the instance `filmstudio render` uses. On the local profile, when no dagster-daemon runs
for it (`filmstudio ui` runs one), the command starts one for the backfill and stops it after;
on the service profile the stack's daemon runs it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from film_assets.cli.reporting import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_RENDER_FAILED, progress_printer

SHOWN = 10  # projects named one by one in progress lines


class BadInput(ValueError):
    """Refused before anything is written."""


def _names(value: str | None) -> list[str] | None:
    return None if value is None else [name.strip() for name in value.split(",") if name.strip()]


def _open_instance(environment):
    """The instance `filmstudio render` uses; a local home without one has no projects yet (and
    gets no instance made for it by a refused command)."""
    if environment.uses_services:
        from film_assets.runs.service_instance import service_instance

        if not environment.service.postgres_url:
            raise BadInput("the service profile needs FILMSTUDIO_POSTGRES_URL (or run `filmstudio up`)")
        return service_instance(environment.dagster_home, environment.service.postgres_url)
    if not (environment.dagster_home / "dagster.yaml").exists():
        raise BadInput(
            f"no projects yet: {environment.dagster_home} has no Dagster instance (render one with `filmstudio render`)"
        )
    from film_assets.runs.local_render import instance_for

    return instance_for(environment)


def _ui_url(environment, backfill_id: str) -> str:
    from film_assets.runs.backfills import UI_PATH

    base = "http://127.0.0.1:3000"
    if environment.uses_services:
        from film_assets.stack.state import read_state

        base = ((read_state(environment.home) or {}).get("urls") or {}).get("ui") or base
    return base.rstrip("/") + UI_PATH.format(backfill_id=backfill_id)


def _choose_projects(args, instance, graph, say) -> list[str]:
    from film_assets.runs.backfills import all_projects, stale_projects

    if args.projects is not None:
        names = _names(args.projects)
        if not names:
            raise BadInput("--projects: give project ids separated by commas, e.g. --projects night-shift,lighthouse")
        return names
    registered = all_projects(instance)
    if not registered:
        raise BadInput("no projects are registered in this instance (render one with `filmstudio render`)")
    if args.all:
        return registered
    unsynced = stale_projects(instance, graph, registered)
    for project, assets in list(unsynced.items())[:SHOWN]:
        say(f"{project}: unsynced {', '.join(assets)}")
    if len(unsynced) > SHOWN:
        say(f"... and {len(unsynced) - SHOWN} more unsynced projects")
    return list(unsynced)


def _backfill(args: argparse.Namespace) -> int:
    from film_assets.contract import ACTION_TAG
    from film_assets.definitions import build_definitions
    from film_assets.runs.backfills import daemon_running, launch_backfill, selected_assets
    from resources.profiles import current_environment

    say = progress_printer()
    try:
        environment = current_environment()
        graph = build_definitions(environment).resolve_asset_graph()
        assets = selected_assets(graph, _names(args.assets))  # bad names refused before the instance opens
        instance = _open_instance(environment)
        projects = _choose_projects(args, instance, graph, say)
        if not projects:  # only --stale gets here
            print("filmstudio: every project is synced; nothing to backfill", file=sys.stderr)
            if args.json:
                print(json.dumps({"backfill_id": None, "projects": [], "status": None}))
            return 0
        backfill_id = launch_backfill(instance, graph, projects, _names(args.assets), tags={ACTION_TAG: "backfill"})
    except ValueError as error:  # BadInput, unknown projects or assets
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    shown = ", ".join(projects[:SHOWN]) + (f" and {len(projects) - SHOWN} more" if len(projects) > SHOWN else "")
    say(
        f"backfill {backfill_id}: {len(projects)} project{'s' if len(projects) > 1 else ''} ({shown}); "
        f"assets {', '.join(key.to_user_string() for key in assets)}"
    )
    ui = "" if environment.uses_services else "`filmstudio ui`, then "
    say(f"see it in the Dagster UI (Runs → Backfills): {ui}{_ui_url(environment, backfill_id)}")

    if args.no_wait or (environment.uses_services and not daemon_running(instance)):
        if not daemon_running(instance):
            say(
                "no dagster-daemon is running for this instance: the backfill starts when one does "
                f"({'`filmstudio up`' if environment.uses_services else '`filmstudio ui`'})"
            )
        return _report(args, instance, graph, backfill_id, final=False)
    try:
        result = _run(environment, instance, graph, backfill_id, args.timeout, say)
    except Stopped as stop:
        print(f"filmstudio: {stop}", file=sys.stderr)
        return EXIT_INTERRUPTED if stop.interrupted else EXIT_RENDER_FAILED
    return _report(args, instance, graph, backfill_id, final=True, result=result)


class Stopped(Exception):
    """Waiting ended early (Ctrl-C, SIGTERM, timeout, the daemon died); says what became of it."""

    def __init__(self, message: str, interrupted: bool):
        super().__init__(message)
        self.interrupted = interrupted


def _run(environment, instance, graph, backfill_id: str, timeout_s: float | None, say):
    """Wait for the backfill, with a daemon of our own on the local profile if none runs."""
    from film_assets.runs.backfills import BackfillError, cancel_unfinished, local_daemon, wait_for_backfill

    ours = False
    try:
        if environment.uses_services:
            say("the stack's dagster-daemon runs it")
            return wait_for_backfill(instance, graph, backfill_id, say, timeout_s)
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with local_daemon(instance, environment.home / "logs") as daemon:
            ours = daemon is not None
            if not ours:
                say("a dagster-daemon is running for this instance (`filmstudio ui`?): it runs the backfill")
                return wait_for_backfill(instance, graph, backfill_id, say, timeout_s)
            say(f"started a dagster-daemon for it (log: {daemon.log_path})")
            return _with_our_daemon(instance, graph, backfill_id, daemon, deadline, say)
    except (KeyboardInterrupt, BackfillError) as error:
        interrupted = isinstance(error, KeyboardInterrupt)
        if ours:  # our daemon is stopped by now: nothing runs these backfills any more
            fates = [
                f"{other} canceled ({cancel_unfinished(instance, other)} unfinished runs)"
                for other in _still_working(instance, backfill_id)
            ]
            fate = "backfill " + "; ".join(fates) if fates else f"backfill {backfill_id} had ended"
        else:
            fate = f"backfill {backfill_id} goes on in the running dagster-daemon"
        raise Stopped(
            f"interrupted; {fate}" if interrupted else f"backfill failed: {error}; {fate}", interrupted
        ) from None


def _still_working(instance, backfill_id: str) -> list[str]:
    """The backfills a daemon still has work on, ours first."""
    from film_assets.runs.backfills import unfinished_backfills

    return sorted(unfinished_backfills(instance), key=lambda other: other != backfill_id)


def _with_our_daemon(instance, graph, backfill_id: str, daemon, deadline: float | None, say):
    """Our daemon runs every waiting backfill, not only ours (earlier `--no-wait` ones too): it
    stops only once none has work left, so no run is cut off."""
    from film_assets.runs.backfills import wait_for_backfill

    def remaining() -> float | None:
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    others = [other for other in _still_working(instance, backfill_id) if other != backfill_id]
    if others:
        say(
            f"the daemon also runs {len(others)} earlier backfill{'s' if len(others) > 1 else ''} that waited "
            f"for one: {', '.join(others)}"
        )
    result = wait_for_backfill(instance, graph, backfill_id, say, remaining(), daemon=daemon)
    while others := [other for other in _still_working(instance, backfill_id) if other != backfill_id]:
        say(f"waiting for backfill{'s' if len(others) > 1 else ''} {', '.join(others)} before stopping the daemon")
        for other in others:
            wait_for_backfill(instance, graph, other, say, remaining(), daemon=daemon)
    return result


def _report(args, instance, graph, backfill_id: str, final: bool, result=None) -> int:
    from film_assets.runs.backfills import backfill_progress

    progress = result or backfill_progress(instance, graph, backfill_id)
    if args.json:
        print(json.dumps(progress.to_json(), ensure_ascii=False))
    else:
        print(
            f"backfill {backfill_id}: {progress.status.lower()}, {progress.runs_finished}/{len(progress.runs)} "
            f"runs finished, {progress.runs_failed} failed"
        )
    if final and not progress.succeeded:
        failed = [project for project, status in progress.runs.values() if status in ("FAILURE", "CANCELED")]
        detail = (
            f": runs of {', '.join(sorted(failed))} failed"
            if failed
            else (f": {progress.error}" if progress.error else "")
        )
        print(f"filmstudio: backfill {backfill_id} ended {progress.status}{detail}", file=sys.stderr)
        return EXIT_RENDER_FAILED
    return 0


def add_backfill_command(commands) -> None:
    """Register the `backfill` subcommand on the CLI's subparsers."""
    parser = commands.add_parser(
        "backfill",
        help="re-render many projects as one Dagster backfill (shots whose render key is unchanged are reused)",
        description="Launch a Dagster backfill (one run per project) and wait for it. Without a running "
        "dagster-daemon (`filmstudio ui` runs one) the local profile starts one for it.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--projects", help="project ids separated by commas")
    which.add_argument("--all", action="store_true", help="every registered project")
    which.add_argument(
        "--stale", action="store_true", help="only projects Dagster shows as unsynced (an asset stale or missing)"
    )
    parser.add_argument(
        "--assets", help="only these assets (comma-separated) and everything downstream of them (default: every asset)"
    )
    parser.add_argument(
        "--no-wait", action="store_true", dest="no_wait", help="launch it and return (a running dagster-daemon runs it)"
    )
    parser.add_argument("--timeout", type=float, help="give up waiting after this many seconds (exit 1)")
    parser.add_argument("--json", action="store_true", help="print the backfill's status as one JSON object")
    parser.set_defaults(handler=_backfill)
