"""The editorial formats a cut exports to: which OpenTimelineIO adapter writes and reads each, the
timeline file's extension, and the frame rates each can hold exactly.

Plain data, no OpenTimelineIO import: the CLI's parser and the API's schema list the formats from
here without loading the adapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


class UnsupportedExport(ValueError):
    """A format that cannot hold this cut exactly (its frame rate)."""


@dataclass(frozen=True)
class ExportFormat:
    name: str  # what users type: --format edl
    adapter: str  # OpenTimelineIO's adapter name
    extension: str
    title: str
    carries_audio: bool  # the mix's track is in the timeline file (an EDL holds one video track only)
    write_args: dict = field(default_factory=dict)
    whole_rates: tuple[int, ...] | None = None  # None: any rate; else only these whole rates

    def read_args(self, fps: Fraction) -> dict:
        """An EDL does not say its rate: it is read at the cut's."""
        return {"rate": float(fps)} if self.adapter == "cmx_3600" else {}

    def check_rate(self, fps: Fraction) -> None:
        if self.whole_rates is not None and not (fps.denominator == 1 and fps.numerator in self.whole_rates):
            rates = ", ".join(str(rate) for rate in self.whole_rates)
            raise UnsupportedExport(
                f"{self.title} ({self.name}) cannot hold a cut at {float(fps):.3f} fps exactly: OpenTimelineIO's "
                f"FCPXML adapter counts fractional (NTSC) rates as whole frames per second and would shift "
                f"every cut; it exports at {rates} fps. Export fcp7 or aaf instead, which keep {float(fps):.3f} fps "
                f"to the frame"
            )


FORMATS = {
    f.name: f
    for f in (
        ExportFormat("otio", "otio_json", "otio", "OpenTimelineIO", True),
        # the reel is the clip's name in full (SQ010_SH020_v002): eight characters would make every
        # shot of a scene the same reel
        ExportFormat("edl", "cmx_3600", "edl", "CMX 3600 EDL", False, {"reelname_len": None}),
        ExportFormat("fcp7", "fcp_xml", "xml", "Final Cut Pro 7 XML", True),
        # the adapter knows these frame durations only (its FRAMERATE_FRAMEDURATION, whole rates)
        ExportFormat("fcpx", "fcpx_xml", "fcpxml", "FCPXML", True, whole_rates=(24, 25, 30, 50, 60)),
        ExportFormat("aaf", "AAF", "aaf", "AAF", True),
    )
}
FORMAT_NAMES = tuple(FORMATS)  # ("otio", "edl", "fcp7", "fcpx", "aaf")
