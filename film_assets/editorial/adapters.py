"""Writing and reading a timeline file through OpenTimelineIO's adapter for its format: the one place
export and read-back call the adapters, so both run the same adapter code (with FCPXML's timing made
exact, fcpx_timing.py)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from film_assets.editorial.fcpx_timing import use_exact_timing
from film_assets.editorial.formats import ExportFormat


def _ready(export_format: ExportFormat) -> None:
    if export_format.adapter == "fcpx_xml":
        use_exact_timing(otio.adapters.from_name("fcpx_xml").module())


def write_timeline(export_format: ExportFormat, timeline: otio.schema.Timeline, path: Path) -> None:
    _ready(export_format)
    otio.adapters.write_to_file(timeline, str(path), adapter_name=export_format.adapter, **export_format.write_args)


def read_timeline(export_format: ExportFormat, path: Path, fps: Fraction) -> otio.schema.Timeline:
    _ready(export_format)
    return otio.adapters.read_from_file(str(path), adapter_name=export_format.adapter, **export_format.read_args(fps))
