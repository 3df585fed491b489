"""`filmstudio plan SCRIPT [--project P] [--json]`: what rendering a revised screenplay would do to
a project (shots added, removed, changed, retimed, reused, and the estimated compute), without
rendering or writing anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from film_assets.cli.reporting import EXIT_BAD_INPUT, counted


def _plan(args: argparse.Namespace) -> int:
    from film_assets.domain.projects.ids import InvalidProjectId, slugify, validate_project_id
    from film_assets.domain.screenplay.fountain import FountainError
    from film_assets.review.planning import NothingToPlanAgainst, media_makers, plan_revision
    from film_assets.runs.local_render import read_script
    from resources.profiles import current_environment, media_store_for

    script = Path(args.script)
    try:
        text, screenplay = read_script(script)
        project = validate_project_id(
            args.project if args.project is not None else slugify(screenplay.title_page.get("title") or script.stem)
        )
        environment = current_environment()
        plan = plan_revision(media_store_for(environment), project, text, script.name, media_makers(environment))
    except (FountainError, InvalidProjectId, NothingToPlanAgainst, FileNotFoundError, ValueError) as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from film_assets.review.local import local_review_context
    from film_assets.review.reviews import project_reviews
    from film_assets.review.takes import reviews_a_plan_outdates

    review = local_review_context()
    planned = plan.to_json()
    outdated = reviews_a_plan_outdates(planned["shots"], project_reviews(review.engine, project, review.tenant))
    if args.json:
        print(json.dumps({**planned, "reviews_outdated": outdated}, ensure_ascii=False))
    else:
        print(describe(plan, script.name))
        for stale in outdated:
            print(f"  outdates: the {stale['kind']} of {stale['code']} {stale['version']} by {stale['reviewer']}")
    return 0


def _seconds(value: float | None, estimated: bool = False) -> str:
    return "-" if value is None else f"{'~' if estimated else ''}{value:.2f} s"


def describe(plan, source_name: str) -> str:
    """The plan for a person: the counts, one line per shot with work to do, the compute."""
    counts = plan.counts
    script = plan.script
    lines = [
        f"{plan.project}: plan of {source_name} against the stored screenplay "
        f"(+{script.lines_added} -{script.lines_removed} lines)",
        "  " + ", ".join(f"{count} {category}" for category, count in counts.items()),
    ]
    for shot in plan.shots:
        if shot.category == "reused":
            continue
        lines.append(
            f"  {shot.code:<12} {shot.category:<8} {', '.join(shot.changes) or '-':<28} "
            f"{_seconds(shot.seconds_before)} -> {_seconds(shot.seconds_after, shot.timing_estimated)}"
        )
    compute = plan.compute
    estimate = "unknown" if compute.seconds is None else f"~{compute.seconds:.1f} s"
    lines.append(
        f"  compute: {estimate} for {counted(compute.keyframes, 'keyframe')} and {counted(compute.clips, 'clip')} "
        f"({counted(compute.frames, 'frame')}): {compute.basis}"
    )
    lines.append(
        f"  length:  {plan.duration_s('before'):.2f} s -> {'~' if plan.timing_estimated else ''}"
        f"{plan.duration_s('after'):.2f} s"
        + ("  (~ estimated: a line not yet spoken)" if plan.timing_estimated else "")
    )
    return "\n".join(lines)


def add_plan_command(commands) -> None:
    """Registered in main.py; the parser is added here."""
    plan = commands.add_parser(
        "plan",
        help="say what rendering a revised screenplay would do to a project, without rendering anything",
    )
    plan.add_argument("script", help="the revised Fountain screenplay")
    plan.add_argument("--project", help="the project id (default: from the title page or file name, as render does)")
    plan.add_argument("--json", action="store_true", help="print the plan as one JSON object on stdout")
    plan.set_defaults(handler=_plan)
