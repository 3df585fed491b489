"""`filmstudio ui` and `filmstudio up`: the Dagster UI on the local runs, and the whole service stack
on this machine (the API's keys are key_commands.py's).

    filmstudio ui [--port PORT] [--media-port PORT]
    filmstudio up [--host 127.0.0.1] [--api-port 8000] [--ui-port 3000] [--aws-port 4566]
                  [--postgres-url URL] [--aws-endpoint URL]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from urllib.parse import urlsplit

from film_assets.cli.reporting import EXIT_BAD_INPUT

MEDIA_SERVER_START_S = 15.0


def _ui(args: argparse.Namespace) -> int:
    """Start `dagster dev` on the same instance and media folder `filmstudio render` uses, with the
    media folder served beside it so the catalog's pictures and links open in the browser."""
    from resources.profiles import DEFAULT_MEDIA_PORT, MEDIA_LINK_ENV, current_environment

    environment = current_environment()
    environment.dagster_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(environment.dagster_home), "FILMSTUDIO_HOME": str(environment.home)}
    media_url = environment.media_links.local_url
    media_port = args.media_port or urlsplit(media_url).port or DEFAULT_MEDIA_PORT
    if args.media_port and urlsplit(media_url).port != args.media_port:
        # renders launched from this UI link to the port served here; CLI renders need the same setting
        media_url = f"http://127.0.0.1:{media_port}"
        env[MEDIA_LINK_ENV["local_url"]] = media_url
        print(
            f"filmstudio: renders link media to {media_url}: set {MEDIA_LINK_ENV['local_url']} for CLI renders too",
            file=sys.stderr,
        )
    if not environment.uses_services:  # service mode links through the API instead
        _serve_media(environment.media_root, media_port, environment.home / "logs", env)
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "film_assets.definitions",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    print(f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={environment.dagster_home})", file=sys.stderr)
    # A shell starting us in the background ignores SIGINT, exec keeps that, and `dagster dev`
    # then ignores SIGTERM too: restore the defaults so Ctrl-C and SIGTERM stop it.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    os.execve(sys.executable, command, env)
    return 0  # not reached


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _serve_media(root, port: int, log_dir, env: dict) -> None:
    """Start the media server (film_assets/stack/media_server.py) on loopback. It is a child of this
    process, which becomes `dagster dev` by exec: the child gets SIGTERM when that one ends, by
    Ctrl-C, SIGTERM or SIGKILL (bindings/processes.py sets the parent-death signal)."""
    from film_assets.bindings.processes import Child

    if _port_taken(port):  # a prober would take the other program's answer for our server's
        print(
            f"filmstudio: warning: 127.0.0.1:{port} is taken by another program, so the catalog's pictures and "
            "links will not open from this UI (--media-port picks another port)",
            file=sys.stderr,
        )
        return
    log_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "film_assets.stack.media_server", "--root", str(root), "--port", str(port)]
    server = Child("media-server", command, env, log_dir)
    deadline = time.monotonic() + MEDIA_SERVER_START_S
    while time.monotonic() < deadline and server.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                print(f"Media on http://127.0.0.1:{port} (read-only: {root})", file=sys.stderr)
                return
        time.sleep(0.1)
    print(
        f"filmstudio: warning: the media server did not start on 127.0.0.1:{port}, so the catalog's pictures "
        f"and links will not open (is the port taken? --media-port picks another); {server.log_tail(5)}",
        file=sys.stderr,
    )


def _up(args: argparse.Namespace) -> int:
    """Start the service stack and supervise it until Ctrl-C or SIGTERM (film_assets/stack/supervisor.py)."""
    from film_assets.stack.supervisor import StackError, StackOptions, run_stack

    try:
        options = StackOptions.from_environment(
            host=args.host,
            api_port=args.api_port,
            ui_port=args.ui_port,
            aws_port=args.aws_port,
            postgres_url=args.postgres_url,
            aws_endpoint=args.aws_endpoint,
        )
    except (StackError, ValueError) as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run_stack(options)


def add_stack_commands(commands) -> None:
    ui = commands.add_parser("ui", help="open the Dagster UI on the same runs and lineage")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument(
        "--media-port",
        type=int,
        dest="media_port",
        help="port of the media folder's server on 127.0.0.1 (default: the port of FILMSTUDIO_MEDIA_URL, "
        "which renders write their links with; http://127.0.0.1:3001 when unset)",
    )
    ui.set_defaults(handler=_ui)

    up = commands.add_parser(
        "up", help="run the service stack locally: API, Dagster daemon and UI, Postgres, SQS and S3 (Ctrl-C stops it)"
    )
    up.add_argument(
        "--host", default="127.0.0.1", help="address the API and the Dagster UI listen on (default 127.0.0.1)"
    )
    up.add_argument("--api-port", type=int, default=8000, dest="api_port", help="API port (default 8000)")
    up.add_argument("--ui-port", type=int, default=3000, dest="ui_port", help="Dagster UI port (default 3000)")
    up.add_argument(
        "--aws-port",
        type=int,
        default=4566,
        dest="aws_port",
        help="port of the local moto server for SQS and S3, on 127.0.0.1 (default 4566)",
    )
    up.add_argument(
        "--postgres-url",
        dest="postgres_url",
        help="Postgres to use (default: FILMSTUDIO_POSTGRES_URL, else the machine's on 127.0.0.1:5432, "
        "else a private cluster)",
    )
    up.add_argument(
        "--aws-endpoint", dest="aws_endpoint", help="an SQS and S3 endpoint to use instead of starting a moto server"
    )
    up.set_defaults(handler=_up)
