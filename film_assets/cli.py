"""`filmstudio`: render a screenplay into a film on this machine, open the Dagster UI on the
same runs, or run the whole service stack (API, Dagster, Postgres, SQS and S3) locally.

    filmstudio render SCRIPT [--project ID] [--out DIR] [--width W] [--height H] [--fps F]
                             [--loudness web|broadcast|LUFS] [--voice CHARACTER=VOICE ...]
                             [--renderer storyboard|diffusers --model PATH_OR_ID [--steps N] ...] [--json]
    filmstudio rerender PROJECT [--shots SQ010_SH020,...] [--new-seed] [--out DIR] [--json]
    filmstudio versions PROJECT [--shot SQ010_SH020] [--json]
    filmstudio backfill (--projects P,... | --all | --stale) [--assets A,...] [--no-wait] [--timeout S] [--json]
    filmstudio ui [--port PORT]
    filmstudio up [--host 127.0.0.1] [--api-port 8000] [--ui-port 3000] [--aws-port 4566]
                  [--postgres-url URL] [--aws-endpoint URL]
    filmstudio keys create TENANT [--postgres-url URL]
    filmstudio deploy manifests --out DIR [--tier TIER] [--name-prefix P] [--image IMAGE] [--gpu-image IMAGE]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

EXIT_BAD_INPUT = 2
EXIT_RENDER_FAILED = 1
EXIT_INTERRUPTED = 130


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
    from film_assets.domain.fountain import FountainError
    from film_assets.domain.project_ids import InvalidProjectId
    from film_assets.render import RenderFailed

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


def _render(args: argparse.Namespace) -> int:
    from film_assets.domain.project_settings import ProjectSettings
    from film_assets.render import render_project

    progress = progress_printer()

    def render():
        settings = ProjectSettings(width=args.width, height=args.height, fps=args.fps,
                                   loudness_lufs=_loudness(args.loudness), voices=_voices(args.voice))
        return render_project(Path(args.script), args.project, Path(args.out) if args.out else None,
                              settings, progress=progress, environment_overrides=_model_overrides(args))

    return run_and_report(render, args.json, lambda result: (
        f"{result.project}: {result.scenes} scenes, {result.shots} shots, {result.dialogue_lines} dialogue "
        f"lines, {result.duration_s:.2f} s\n  film:      {result.final_cut}\n  subtitles: {result.subtitles}\n"
        f"  timeline:  {result.timeline}\n  shots:     {result.shots_rendered} rendered, {result.shots_reused} "
        f"reused\n  run:       {result.run_id} (see it with `filmstudio ui`)"))


def _model_overrides(args: argparse.Namespace) -> dict:
    """The CLI's model flags, over the environment's settings (FILMSTUDIO_RENDERER, ...)."""
    from resources.profiles import RendererChoice, current_environment

    environment, overrides = current_environment(), {}
    if args.renderer is not None or args.model is not None:
        options = dict(environment.renderer.options)
        for name in ("model", "steps", "guidance", "scheduler", "batch_size"):
            if getattr(args, name) is not None:
                options[name] = getattr(args, name)
        kind = args.renderer or ("diffusers" if args.model else environment.renderer.kind)
        overrides["renderer"] = RendererChoice(kind, options if kind == "diffusers" else {})
    if args.motion_model:
        overrides["motion"] = {**environment.motion, "model": args.motion_model}
    if args.music_model:
        overrides["music"] = {**environment.music, "model": args.music_model}
    return overrides


def _loudness(value: str) -> float:
    from film_assets.domain.project_settings import LOUDNESS_TARGETS

    if value in LOUDNESS_TARGETS:
        return LOUDNESS_TARGETS[value]
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"--loudness {value!r}: use web (-14), broadcast (-23) or a number of LUFS") from None


def _voices(pairs: list[str]) -> dict[str, str]:
    voices = {}
    for pair in pairs:
        name, sep, voice = pair.partition("=")
        if not sep or not name.strip() or not voice.strip():
            raise ValueError(f"--voice {pair!r}: use CHARACTER=VOICE, e.g. --voice 'ZOË=en-gb+f2'")
        voices[name.strip().upper()] = voice.strip()
    return voices


def _ui(args: argparse.Namespace) -> int:
    """Start `dagster dev` on the same instance and media folder `filmstudio render` uses."""
    from resources.profiles import current_environment

    environment = current_environment()
    environment.dagster_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(environment.dagster_home), "FILMSTUDIO_HOME": str(environment.home)}
    command = [sys.executable, "-m", "dagster", "dev", "-m", "film_assets.definitions",
               "--host", args.host, "--port", str(args.port)]
    print(f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={environment.dagster_home})", file=sys.stderr)
    # A shell starting us in the background ignores SIGINT, exec keeps that, and `dagster dev`
    # then ignores SIGTERM too: restore the defaults so Ctrl-C and SIGTERM stop it.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    os.execve(sys.executable, command, env)
    return 0  # not reached


def _up(args: argparse.Namespace) -> int:
    """Start the service stack and supervise it until Ctrl-C or SIGTERM (film_assets/service/stack.py)."""
    from film_assets.service.stack import StackError, StackOptions, run_stack

    try:
        options = StackOptions.from_environment(host=args.host, api_port=args.api_port, ui_port=args.ui_port,
                                                aws_port=args.aws_port, postgres_url=args.postgres_url,
                                                aws_endpoint=args.aws_endpoint)
    except (StackError, ValueError) as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run_stack(options)


def _keys_create(args: argparse.Namespace) -> int:
    """Print a new API key for a tenant on stdout (and nothing else there)."""
    from api.keys import create_api_key, validate_tenant
    from film_assets.service.postgres import hide_password
    from film_assets.service.stack_state import StackError, postgres_url_for_commands, read_state
    from resources.profiles import current_environment

    home = current_environment().home
    try:
        validate_tenant(args.tenant)
        url, source = postgres_url_for_commands(args.postgres_url, home)
    except (StackError, ValueError) as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        key = create_api_key(url, args.tenant)
    except ValueError as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:  # noqa: BLE001 - SQLAlchemy/psycopg2 errors: the database is not reachable
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"filmstudio: error: cannot store the key in {hide_password(url)} (from {source}): {reason}. "
              "Is `filmstudio up` running? Or pass --postgres-url", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(key)
    api = ((read_state(home) or {}).get("urls") or {}).get("api") or "http://127.0.0.1:8000"
    print(f"filmstudio: a new API key for tenant {args.tenant!r}, shown only this once. Send it as the X-API-Key "
          f"header: curl -H 'X-API-Key: <key>' {api}/projects", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="filmstudio", description="Turn a Fountain screenplay into a film.")
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="render a screenplay into final_cut.mp4, final_cut.srt, timeline.otio")
    render.add_argument("script", help="a Fountain screenplay (.fountain)")
    render.add_argument("--project", help="project id (a slug); default: from the title page or file name")
    render.add_argument("--out", help="folder for the delivered files (default: ./renders/<project>)")
    render.add_argument("--width", type=int, default=1280, help="frame width (default 1280)")
    render.add_argument("--height", type=int, default=720, help="frame height (default 720)")
    render.add_argument("--fps", type=float, default=24.0, help="frames per second (default 24; 23.976 is NTSC)")
    render.add_argument("--renderer", choices=("storyboard", "diffusers"),
                        help="keyframe renderer (default: storyboard, or FILMSTUDIO_RENDERER)")
    render.add_argument("--model", help="diffusers model: hub id or local folder made with save_pretrained")
    render.add_argument("--steps", type=int, help="diffusers denoising steps (default 30)")
    render.add_argument("--guidance", type=float, help="diffusers guidance scale (default 7.0)")
    render.add_argument("--scheduler", help="diffusers scheduler class, e.g. DPMSolverMultistepScheduler")
    render.add_argument("--batch-size", type=int, dest="batch_size", help="shots per diffusers call (default 4)")
    render.add_argument("--motion-model", dest="motion_model",
                        help="image-to-video model (hub id or local folder) for shot motion instead of camera moves")
    render.add_argument("--music-model", dest="music_model",
                        help="text-to-music model (MusicGen; hub id or local folder) instead of the procedural score")
    render.add_argument("--loudness", default="web",
                        help="loudness target: web (-14 LUFS, default), broadcast (-23) or a number of LUFS")
    render.add_argument("--voice", action="append", default=[], metavar="CHARACTER=VOICE",
                        help="give a character a voice instead of the automatic casting (repeatable)")
    render.add_argument("--json", action="store_true", help="print one JSON object with the results on stdout")
    render.set_defaults(handler=_render)

    ui = commands.add_parser("ui", help="open the Dagster UI on the same runs and lineage")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(handler=_ui)

    up = commands.add_parser("up", help="run the service stack locally: API, Dagster daemon and UI, Postgres, "
                                        "SQS and S3 (Ctrl-C stops it)")
    up.add_argument("--host", default="127.0.0.1",
                    help="address the API and the Dagster UI listen on (default 127.0.0.1)")
    up.add_argument("--api-port", type=int, default=8000, dest="api_port", help="API port (default 8000)")
    up.add_argument("--ui-port", type=int, default=3000, dest="ui_port", help="Dagster UI port (default 3000)")
    up.add_argument("--aws-port", type=int, default=4566, dest="aws_port",
                    help="port of the local moto server for SQS and S3, on 127.0.0.1 (default 4566)")
    up.add_argument("--postgres-url", dest="postgres_url",
                    help="Postgres to use (default: FILMSTUDIO_POSTGRES_URL, else the machine's on 127.0.0.1:5432, "
                         "else a private cluster)")
    up.add_argument("--aws-endpoint", dest="aws_endpoint",
                    help="an SQS and S3 endpoint to use instead of starting a moto server")
    up.set_defaults(handler=_up)

    keys = commands.add_parser("keys", help="API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create an API key for a tenant and print it (shown once)")
    create.add_argument("tenant", help="tenant slug, e.g. studio-a")
    create.add_argument("--postgres-url", dest="postgres_url",
                        help="the API's database (default: FILMSTUDIO_POSTGRES_URL, else the running `filmstudio up`)")
    create.set_defaults(handler=_keys_create)
    _add_deploy_commands(commands)
    from film_assets.backfill_cli import add_backfill_command
    from film_assets.shots_cli import add_shot_commands

    add_shot_commands(commands)
    add_backfill_command(commands)
    return parser


def _deploy_manifests(args: argparse.Namespace) -> int:
    from film_assets.deploy_manifests import write_step_manifests
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


def _add_deploy_commands(commands) -> None:
    from resources.deployment import DEFAULT_NAME_PREFIX, TIERS

    deploy = commands.add_parser("deploy", help="deployment files (Kubernetes)")
    deploy_commands = deploy.add_subparsers(dest="deploy_command", required=True)
    manifests = deploy_commands.add_parser(
        "manifests", help="write the Kubernetes Job each render step gets in prod, one YAML file per step, "
                          "rendered with dagster-k8s's own functions (no cluster needed)")
    manifests.add_argument("--out", required=True, help="folder for the YAML files (created if missing)")
    manifests.add_argument("--tier", choices=TIERS, default=os.environ.get("FILMSTUDIO_TIER", "dev"),
                           help="deployment tier (default: FILMSTUDIO_TIER, else dev)")
    manifests.add_argument("--name-prefix", dest="name_prefix",
                           default=os.environ.get("FILMSTUDIO_NAME_PREFIX", DEFAULT_NAME_PREFIX),
                           help=f"Terraform's name_prefix (default {DEFAULT_NAME_PREFIX})")
    version = _package_version()
    manifests.add_argument("--image", default=f"filmstudio:{version}",
                           help=f"the slim image of the code location: runs and CPU steps (default filmstudio:{version})")
    manifests.add_argument("--gpu-image", dest="gpu_image",
                           default=os.environ.get("FILMSTUDIO_GPU_IMAGE", f"filmstudio-cuda:{version}"),
                           help=f"the CUDA image for GPU steps (default: FILMSTUDIO_GPU_IMAGE, else "
                                f"filmstudio-cuda:{version})")
    manifests.set_defaults(handler=_deploy_manifests)


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
