"""`filmstudio export`: the final cut for an editor, as OpenTimelineIO, a CMX 3600 EDL, Final Cut Pro 7
XML, FCPXML or AAF, with its clips, the mix and the subtitles beside it (docs/editorial.md).

    filmstudio export PROJECT --format otio|edl|fcp7|fcpx|aaf [--out DIR] [--zip] [--json]

Every export is read back with the adapter that wrote it and compared to the cut before it is put
in place; a project never rendered or an unknown format exits 2 and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path

from film_assets.cli.reporting import EXIT_RENDER_FAILED, bad_input, counted
from film_assets.editorial.formats import FORMAT_NAMES


def _summary(export) -> str:
    readback = export.readback.to_json()
    fps = float(Fraction(export.readback.fps))
    return (
        f"{export.project}: {export.format} export of {counted(readback['shots'], 'shot')}, "
        f"{readback['frames']} frames at {fps:.3f} fps, read back frame-exact "
        f"({' and '.join(readback['read_with'])})\n{export.path}"
    )


def _export(args: argparse.Namespace) -> int:
    from film_assets.domain.projects.ids import InvalidProjectId, validate_project_id
    from film_assets.editorial.cut import CutChanged, NotRendered
    from film_assets.editorial.export import export_cut
    from film_assets.editorial.formats import UnsupportedExport
    from film_assets.editorial.readback import ReadbackMismatch
    from resources.profiles import current_environment, media_store_for

    try:
        project = validate_project_id(args.project)
        out = Path(args.out) if args.out else Path("renders") / project
        export = export_cut(media_store_for(current_environment()), project, args.format, out, as_zip=args.zip)
    except (InvalidProjectId, NotRendered, CutChanged, UnsupportedExport) as error:
        return bad_input(str(error))
    except ReadbackMismatch as error:
        print(f"filmstudio: export failed its read-back, nothing written: {error}", file=sys.stderr)
        return EXIT_RENDER_FAILED
    print(json.dumps(export.to_json(), ensure_ascii=False) if args.json else _summary(export))
    return 0


def add_export_command(commands) -> None:
    """Registered in main.py."""
    export = commands.add_parser(
        "export",
        help="the final cut for an editor (OTIO, EDL, FCP 7 XML, FCPXML, AAF) with its clips, mix and subtitles",
        description="Write the project's final cut for an editing application: the timeline, the takes it uses "
        "(by relative path, under media/), the mix and the subtitles. The export is read back and compared to the "
        "cut, frame by frame, before it is put in place.",
    )
    export.add_argument("project", help="the project id")
    export.add_argument("--format", required=True, choices=FORMAT_NAMES, help="the timeline format")
    export.add_argument(
        "--out", help="folder to write <project>-<format> (or its .zip) into (default: ./renders/<project>)"
    )
    export.add_argument("--zip", action="store_true", help="write one zip instead of a folder")
    export.add_argument("--json", action="store_true", help="print what was written and read back as JSON")
    export.set_defaults(handler=_export)
