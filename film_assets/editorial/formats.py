"""The editorial formats a cut exports to: which OpenTimelineIO adapter writes and reads each, and the
timeline file's extension. Every format holds 24, 25 and the NTSC rates to the frame.

Plain data, no OpenTimelineIO import: the CLI's parser and the API's schema list the formats from
here without loading the adapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


class UnsupportedExport(ValueError):
    """A format we do not export."""


@dataclass(frozen=True)
class ExportFormat:
    name: str  # what users type: --format edl
    adapter: str  # OpenTimelineIO's adapter name
    extension: str
    title: str
    carries_audio: bool  # the mix's track is in the timeline file (an EDL holds one video track only)
    write_args: dict = field(default_factory=dict)

    def read_args(self, fps: Fraction) -> dict:
        """An EDL does not say its rate: it is read at the cut's."""
        return {"rate": float(fps)} if self.adapter == "cmx_3600" else {}


FORMATS = {
    f.name: f
    for f in (
        ExportFormat("otio", "otio_json", "otio", "OpenTimelineIO", True),
        # the reel is the clip's name in full (SQ010_SH020_v002): eight characters would make every
        # shot of a scene the same reel
        ExportFormat("edl", "cmx_3600", "edl", "CMX 3600 EDL", False, {"reelname_len": None}),
        ExportFormat("fcp7", "fcp_xml", "xml", "Final Cut Pro 7 XML", True),
        ExportFormat("fcpx", "fcpx_xml", "fcpxml", "FCPXML", True),  # timing made exact: fcpx_timing.py
        ExportFormat("aaf", "AAF", "aaf", "AAF", True),
    )
}
FORMAT_NAMES = tuple(FORMATS)  # ("otio", "edl", "fcp7", "fcpx", "aaf")
