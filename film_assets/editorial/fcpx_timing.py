"""Exact frame timing for OpenTimelineIO's FCPXML adapter at NTSC rates (23.976, 29.97, 59.94).

otio-fcpx-xml-adapter 1.0.0 (the latest release) writes FCPXML times as exact rational seconds, but
wherever it turns a time into frames it counts the rate as whole frames per second
(int(24000/1001) = 23) and truncates: a cut at 23.976 fps reads back a frame short on most clips, at
23 fps, and its writer finds no frame duration for the rate at all. Final Cut Pro itself stores
23.976 as frameDuration="1001/24000s".

`use_exact_timing(module)` replaces the adapter's five timing helpers in its loaded module with exact
rational ones: the frame duration of any rate, rates as the exact fraction a format's frameDuration
states, and seconds to frames by rounding. Every other part of the adapter (the document, the
assets, the lanes, the metadata) is its own. Whole rates come out as before: for them the helpers
agree with the adapter's on every time that falls on a frame. Hand-written because no release of
the adapter fixes it; remove it when one does (the export tests at 23.976 will say so).
"""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio

_INSTALLED = "_film_assets_exact_timing"


def _rate(fps) -> Fraction:
    """A rate as its exact fraction: 23.976023976 -> 24000/1001, 24.0 -> 24."""
    return Fraction(fps).limit_denominator(1001)


def _seconds(rational: str | None) -> Fraction:
    """FCPXML's "1001/24000s", "5s" or "0s" as exact seconds."""
    if not rational or rational == "0s":
        return Fraction(0)
    return Fraction(rational.removesuffix("s"))


def _frame_duration(fps) -> str:
    duration = 1 / _rate(fps)
    return f"{duration.numerator}/{duration.denominator}s"


def _format_rate(frame_duration: str) -> float:
    return float(1 / _seconds(frame_duration))


def _rate_token(fps) -> str:
    """The rate as Final Cut Pro names formats: 24 -> "24", 23.976 -> "2398", 29.97 -> "2997"."""
    rate = _rate(fps)
    return str(rate.numerator) if rate.denominator == 1 else str(round(rate * 100))


def use_exact_timing(module) -> None:
    """Patch the loaded fcpx_xml adapter module (OpenTimelineIO's plugin loader gives its own copy,
    so this takes the module the adapter runs from). Idempotent."""
    if getattr(module, _INSTALLED, False):
        return
    writer, reader, format_name = module.FcpxOtio, module.FcpxXml, module.format_name

    def to_rational_time(rational_number, fps):
        frames = round(_seconds(rational_number) * _rate(fps))
        return otio.opentime.RationalTime(frames, float(_rate(fps)))

    def frame_rate_from_element(self, element, default_format_id):
        # the adapter's own lookup of the element's format, then the format's exact rate
        format_id = default_format_id
        if element.tag == "ref-clip":
            format_id = self._media_by_id(element.get("ref")).find("./sequence").get("format")
        elif element.tag == "clip":
            gap = element.find("./gap")
            asset_id = gap.find("./audio").get("ref") if gap is not None else element.find("./video").get("ref")
            format_id = self._asset_by_id(asset_id).get("format")
        elif element.tag == "asset-clip":
            format_id = self._asset_by_id(element.get("ref")).get("format")
        found = self.resource_element.find(f"./format[@id='{format_id}']")
        return _format_rate(found.get("frameDuration"))

    def format_frame_rate(self, format_id):
        total, rate = self._format_frame_duration(format_id)
        return _format_rate(f"{total}/{rate}")

    def number_of_frames(self, time_value, format_id):
        return round(_seconds(time_value) * _rate(self._format_frame_rate(format_id)))

    module.to_rational_time = to_rational_time
    module.format_name = lambda frame_rate, path: format_name(_rate_token(frame_rate), path)
    writer._framerate_to_frame_duration = staticmethod(_frame_duration)
    writer._frame_rate_from_element = frame_rate_from_element
    reader._format_frame_rate = format_frame_rate
    reader._number_of_frames = number_of_frames
    setattr(module, _INSTALLED, True)
