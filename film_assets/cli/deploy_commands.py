"""`filmstudio deploy manifests`: the Kubernetes Job each render step gets in prod, written out
without a cluster.

    filmstudio deploy manifests --out DIR [--tier TIER] [--name-prefix P] [--image IMAGE] [--gpu-image IMAGE]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from film_assets.cli.reporting import EXIT_BAD_INPUT


def _deploy_manifests(args: argparse.Namespace) -> int:
    from film_assets.deploy.manifests import write_step_manifests
    from resources.deployment import DeploymentNames

    try:
        names = DeploymentNames(args.tier, args.name_prefix)
    except ValueError as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    written = write_step_manifests(Path(args.out), names, args.image, args.gpu_image or "")
    for path in written:
        print(path)
    print(f"filmstudio: {len(written)} step Job manifests for tier {names.tier} in {args.out}", file=sys.stderr)
    return 0


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("film-assets")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "dev"


def add_deploy_commands(commands) -> None:
    from resources.deployment import DEFAULT_NAME_PREFIX, TIERS

    deploy = commands.add_parser("deploy", help="deployment files (Kubernetes)")
    deploy_commands = deploy.add_subparsers(dest="deploy_command", required=True)
    manifests = deploy_commands.add_parser(
        "manifests",
        help="write the Kubernetes Job each render step gets in prod, one YAML file per step, "
        "rendered with dagster-k8s's own functions (no cluster needed)",
    )
    manifests.add_argument("--out", required=True, help="folder for the YAML files (created if missing)")
    manifests.add_argument(
        "--tier",
        choices=TIERS,
        default=os.environ.get("FILMSTUDIO_TIER", "dev"),
        help="deployment tier (default: FILMSTUDIO_TIER, else dev)",
    )
    manifests.add_argument(
        "--name-prefix",
        dest="name_prefix",
        default=os.environ.get("FILMSTUDIO_NAME_PREFIX", DEFAULT_NAME_PREFIX),
        help=f"Terraform's name_prefix (default {DEFAULT_NAME_PREFIX})",
    )
    version = _package_version()
    manifests.add_argument(
        "--image",
        default=f"filmstudio:{version}",
        help=f"the slim image of the code location: runs and CPU steps (default filmstudio:{version})",
    )
    manifests.add_argument(
        "--gpu-image",
        dest="gpu_image",
        default=os.environ.get("FILMSTUDIO_GPU_IMAGE", f"filmstudio-cuda:{version}"),
        help=f"the CUDA image for GPU steps (default: FILMSTUDIO_GPU_IMAGE, else filmstudio-cuda:{version})",
    )
    manifests.set_defaults(handler=_deploy_manifests)
