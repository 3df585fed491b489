"""`filmstudio`: render a screenplay into a film on this machine, open the Dagster UI on the
same runs, or run the whole service stack (API, Dagster, Postgres, SQS and S3) locally.

    filmstudio render SCRIPT [--project ID] [--out DIR] [--width W] [--height H] [--fps F]
                             [--loudness web|broadcast|LUFS] [--voice CHARACTER=VOICE ...]
                             [--renderer storyboard|diffusers --model PATH_OR_ID [--steps N] ...] [--json]
    filmstudio rerender PROJECT [--shots SQ010_SH020,...] [--new-seed] [--out DIR] [--json]
    filmstudio versions PROJECT [--shot SQ010_SH020] [--json]
    filmstudio plan SCRIPT [--project ID] [--json]
    filmstudio revisions PROJECT [--diff] [--json]
    filmstudio review PROJECT SHOT [VERSION] (--approve | --reject | --changes NOTE | --pin | --unpin)
                      [--note NOTE] [--by NAME] [--json]
    filmstudio takes PROJECT [--json]
    filmstudio dailies PROJECT [--unreviewed] [--since DATE] [--out DIR] [--json]
    filmstudio cost PROJECT [--json]
    filmstudio watch SCRIPT [--project ID] [--out DIR] [--width W] [--height H] [--fps F]
    filmstudio export PROJECT --format otio|edl|fcp7|fcpx|aaf [--out DIR] [--zip] [--json]
    filmstudio backfill (--projects P,... | --all | --stale) [--assets A,...] [--no-wait] [--timeout S] [--json]
    filmstudio ui [--port PORT]
    filmstudio up [--host 127.0.0.1] [--api-port 8000] [--ui-port 3000] [--aws-port 4566]
                  [--postgres-url URL] [--aws-endpoint URL]
    filmstudio keys create TENANT | list [--tenant T] | revoke KEY_PREFIX [--postgres-url URL]
    filmstudio deploy manifests --out DIR [--tier TIER] [--name-prefix P] [--image IMAGE] [--gpu-image IMAGE]
"""

from __future__ import annotations

import argparse
import sys

from film_assets.cli.backfill_commands import add_backfill_command
from film_assets.cli.cost_commands import add_cost_command
from film_assets.cli.deploy_commands import add_deploy_commands
from film_assets.cli.export_commands import add_export_command
from film_assets.cli.key_commands import add_key_commands
from film_assets.cli.plan_commands import add_plan_command
from film_assets.cli.render_commands import add_render_command
from film_assets.cli.reporting import EXIT_INTERRUPTED
from film_assets.cli.review_commands import add_review_commands
from film_assets.cli.shot_commands import add_shot_commands
from film_assets.cli.stack_commands import add_stack_commands
from film_assets.cli.watch_commands import add_watch_command


def build_parser() -> argparse.ArgumentParser:
    """One sub-command group per module of this package; each module adds its own parsers."""
    parser = argparse.ArgumentParser(prog="filmstudio", description="Turn a Fountain screenplay into a film.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_render_command(commands)
    add_stack_commands(commands)
    add_key_commands(commands)
    add_deploy_commands(commands)
    add_shot_commands(commands)
    add_backfill_command(commands)
    add_plan_command(commands)
    add_cost_command(commands)
    add_review_commands(commands)
    add_watch_command(commands)
    add_export_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        if args.command == "render":
            print("filmstudio: interrupted; finished shots are kept, nothing half-written", file=sys.stderr)
        else:
            print("filmstudio: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
