"""The media folder over HTTP on loopback, read-only, for `filmstudio ui`: the catalog's poster,
contact sheets and links to the film, its subtitles, its timeline and every take open in a browser.

    python -m film_assets.stack.media_server --root FILMSTUDIO_HOME/media --port 3001

Starlette's StaticFiles under uvicorn (both already API dependencies) rather than a hand-written
server: it answers GET and HEAD only, serves byte ranges (206, so a <video> can seek), sends
content types and ETags, refuses paths that resolve outside the folder (`..`, symlinks out), and
with html=False never lists a directory.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
from pathlib import Path

# Subtitles and timelines are text a browser should show, not offer as a download.
mimetypes.add_type("text/plain", ".srt")
mimetypes.add_type("application/json", ".otio")
mimetypes.add_type("video/mp4", ".mp4")


def create_media_app(root: Path):
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)  # a fresh FILMSTUDIO_HOME has rendered nothing yet
    files = StaticFiles(directory=root, html=False, follow_symlink=False)
    return Starlette(routes=[Mount("/", app=files)])


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=Path, help="the media folder to serve")
    parser.add_argument("--host", default="127.0.0.1", help="loopback by default: nothing here asks who you are")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(create_media_app(args.root), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
