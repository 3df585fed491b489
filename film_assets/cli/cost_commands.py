"""`filmstudio cost PROJECT [--json]`: what a project's takes cost to render, per shot, per scene and
in all, in CPU and GPU seconds (read from the shot versions; no run needed).

    filmstudio cost PROJECT [--json]
"""

from __future__ import annotations

import argparse
import json
import sys

from film_assets.cli.reporting import bad_input, rendered_project


def _seconds(value: float) -> str:
    return f"{value:10.3f}"


def _unmeasured(row: dict) -> str:
    return f"  ({row['unmeasured_takes']} unmeasured)" if row["unmeasured_takes"] else ""


def _print_costs(costs: dict) -> None:
    print(f"{'shot':<12} {'takes':>5} {'CPU s':>10} {'GPU s':>10}  newest measured take")
    for shot in costs["shots"]:
        newest = shot["newest_measured"]
        newest_text = f"{newest['version']} {newest['wall_s']:.3f} s" if newest else "-"
        print(
            f"{shot['code']:<12} {shot['takes']:>5} {_seconds(shot['cpu_s'])} {_seconds(shot['gpu_s'])}  "
            f"{newest_text}{_unmeasured(shot)}"
        )
    print()
    for scene in costs["scenes"]:
        heading = scene["heading"] or "(no longer in the script)"
        print(
            f"{scene['scene']:<6} {heading[:40]:<40} {scene['shots']:>3} shots "
            f"CPU {scene['cpu_s']:.3f} s  GPU {scene['gpu_s']:.3f} s{_unmeasured(scene)}"
        )
    total = costs["total"]
    print(
        f"\n{costs['project']}: {total['shots']} shots, {total['takes']} takes: "
        f"CPU {total['cpu_s']:.3f} s, GPU {total['gpu_s']:.3f} s{_unmeasured(total)}"
    )
    if total["unmeasured_takes"]:
        print("unmeasured takes were made before costs were recorded: they add nothing here", file=sys.stderr)


def _cost(args: argparse.Namespace) -> int:
    from film_assets.review.ledger import project_costs

    try:
        project, store, _ = rendered_project(args.project)
    except ValueError as error:
        return bad_input(str(error))
    costs = project_costs(store, project)
    if args.json:
        print(json.dumps(costs, ensure_ascii=False))
    else:
        _print_costs(costs)
    return 0


def add_cost_command(commands) -> None:
    """Registered in main.py."""
    cost = commands.add_parser(
        "cost",
        help="what a project's renders cost: CPU and GPU seconds per shot, per scene and in all",
    )
    cost.add_argument("project", help="the project id")
    cost.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object on stdout: every take's cost and the totals per shot, scene and project",
    )
    cost.set_defaults(handler=_cost)
