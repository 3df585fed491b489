"""What every command shares: exit codes, progress lines on stderr, and running a render the CLI's
way (bad input exits 2 naming the problem, a failed run exits 1 naming the step)."""

from __future__ import annotations

import json
import os
import sys
import time

EXIT_BAD_INPUT = 2
EXIT_RENDER_FAILED = 1
EXIT_FAILED_QC = 3  # the run stopped at a blocking QC check: the film is not delivered
EXIT_INTERRUPTED = 130


def counted(count: int, noun: str) -> str:
    """'1 take', '2 takes' (nouns with a plain plural only)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def bad_input(message: str) -> int:
    """Say what is wrong with the input and return its exit status."""
    print(f"filmstudio: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def rendered_project(name: str):
    """The project id, this environment's media store and the project's shot codes; ValueError
    naming the problem for a bad id or a project with no shots yet."""
    from film_assets.domain.projects.ids import validate_project_id
    from film_assets.storage.shot_history import stored_shot_codes
    from resources.profiles import current_environment, media_store_for

    project = validate_project_id(name)
    store = media_store_for(current_environment())
    codes = stored_shot_codes(store, project)
    if not codes:
        raise ValueError(f"project {project!r} has no shots yet (render it first)")
    return project, store, codes


def progress_printer():
    """Progress lines on stderr, each stamped with the seconds since the command started.

    They go to a duplicate of stderr's descriptor taken now: while a step runs, Dagster's compute
    log capture points descriptor 2 at its log file and tees it back, and a line said as the run
    ends (the last step's "done") could be lost with the tee."""
    started = time.monotonic()
    try:
        stream = open(os.dup(sys.stderr.fileno()), "w", buffering=1, encoding="utf-8", errors="replace")
    except (AttributeError, OSError, ValueError):  # stderr without a descriptor (embedded, tests)
        stream = sys.stderr

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=stream, flush=True)

    return progress


def run_and_report(render, as_json: bool, summary) -> int:
    """Run render() (a render or re-render), the CLI's way: bad input exits 2 naming the problem,
    a failed run exits 1 naming the step; the result is printed as JSON or as summary(result)."""
    from film_assets.domain.projects.ids import InvalidProjectId
    from film_assets.domain.screenplay.fountain import FountainError
    from film_assets.runs.local_render import RenderFailed

    try:
        result = render()
    except (FountainError, InvalidProjectId, FileNotFoundError, ValueError) as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RenderFailed as error:
        print(f"filmstudio: render failed: {error}", file=sys.stderr)
        return EXIT_RENDER_FAILED
    print(json.dumps(result.to_json(), ensure_ascii=False) if as_json else summary(result))
    return 0
