"""`filmstudio rerender` and `filmstudio versions`: re-render a project (or some of its shots) from
its stored script, and list every version of its shots.

    filmstudio rerender PROJECT [--shots SQ010_SH020,...] [--new-seed] [--out DIR] [--json]
    filmstudio versions PROJECT [--shot SQ010_SH020] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from film_assets.cli.reporting import bad_input, progress_printer, rendered_project


def _rerender(args: argparse.Namespace) -> int:
    from film_assets.cli.render_commands import report_with_qc
    from film_assets.runs.local_render import rerender_project

    progress = progress_printer()
    shots = [code.strip() for code in args.shots.split(",") if code.strip()] if args.shots else None
    return report_with_qc(
        lambda: rerender_project(
            args.project, shots, args.new_seed, Path(args.out) if args.out else None, progress=progress
        ),
        args.json,
        lambda result: (
            f"{result.project}: {result.shots_rendered} of {result.shots} shots rendered, "
            f"{result.shots_reused} reused\n  film:      {result.final_cut}\n"
            f"  run:       {result.run_id}"
        ),
    )


def _versions(args: argparse.Namespace) -> int:
    from film_assets.storage.shot_history import version_rows

    try:
        project, store, codes = rendered_project(args.project)
    except ValueError as error:
        return bad_input(str(error))
    if args.shot and args.shot not in codes:
        return bad_input(
            f"project {project!r} has no shot {args.shot} (its {len(codes)} shots run {codes[0]} .. {codes[-1]})"
        )
    rows = version_rows(store, project, args.shot)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"{'shot':<12} {'version':<8} {'cut':<3} {'reason':<8} {'created (UTC)':<25} {'seed':>10}  prompt")
    for row in rows:
        print(
            f"{row['code']:<12} {row['version']:<8} {'*' if row['in_final_cut'] else '':<3} {row['reason']:<8} "
            f"{row['created_at']:<25} {row.get('seed', ''):>10}  {str(row.get('prompt', ''))[:60]}"
        )
    print(f"{len(rows)} versions; * = in the latest final cut", file=sys.stderr)
    return 0


def add_shot_commands(commands) -> None:
    rerender = commands.add_parser(
        "rerender",
        help="render a project again from its stored script: changed shots, or the listed ones "
        "as new versions, and rebuild the final cut",
    )
    rerender.add_argument("project", help="the project id")
    rerender.add_argument(
        "--shots",
        help="comma-separated shot codes to render again as new versions, "
        "e.g. SQ010_SH020,SQ030_SH010 (default: only shots whose inputs changed)",
    )
    rerender.add_argument(
        "--new-seed",
        dest="new_seed",
        action="store_true",
        help="give the listed shots new seeds (kept for later renders)",
    )
    rerender.add_argument("--out", help="folder for the delivered files (default: ./renders/<project>)")
    rerender.add_argument("--json", action="store_true", help="print one JSON object with the results on stdout")
    rerender.set_defaults(handler=_rerender)

    versions = commands.add_parser("versions", help="list every version of a project's shots")
    versions.add_argument("project", help="the project id")
    versions.add_argument("--shot", help="only this shot, e.g. SQ010_SH020")
    versions.add_argument("--json", action="store_true", help="print the versions as a JSON list on stdout")
    versions.set_defaults(handler=_versions)
