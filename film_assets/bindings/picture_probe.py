"""Looking at pictures for QC: a keyframe's size and luma (Pillow), a clip's length (PyAV, via
media_probe), and black or frozen stretches of a cut (ffmpeg's blackdetect and freezedetect).

The detectors run in one ffmpeg pass over a small decode of the cut: the picture is scaled to
DETECT_WIDTH before the filters see it, and the deblocking filter is skipped (it only smooths
block edges), which together cost about 0.7 of a plain decode.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from film_assets.bindings.ffmpeg import EncodeError, ffmpeg_exe
from film_assets.bindings.file_memo import kept_while_unchanged
from film_assets.bindings.media_probe import video_timing
from film_assets.domain.video.picture_qc import STRETCH_LIMIT_S, Stretch

DETECT_WIDTH = 96  # enough to tell a black or a still frame; a 720p decode scaled this small
BLACK_PIXEL = 0.10  # blackdetect's pix_th: luma under 10% of the range counts as black
FREEZE_NOISE_DB = -60  # freezedetect's n: frames closer than this are the same picture
KEYFRAME_REDUCE = 4  # the blank measure needs no full-size picture


@kept_while_unchanged
def keyframe_luma(path: Path, band: tuple[int, int] | None = None) -> tuple[tuple[int, int], np.ndarray]:
    """A keyframe's (width, height) and the luma of its picture band (rows [top, bottom); a
    storyboard's header and caption rows are not picture), reduced for the blank measure; read
    only (kept while the file is unchanged)."""
    with Image.open(path) as image:
        size = image.size
        top, bottom = band or (0, size[1])
        picture = image.convert("L").crop((0, top, size[0], bottom))
    reduced = picture.reduce(KEYFRAME_REDUCE) if min(picture.size) >= 4 * KEYFRAME_REDUCE else picture
    luma = np.array(reduced)
    luma.setflags(write=False)
    return size, luma


@kept_while_unchanged
def clip_length(path: Path) -> tuple[int, float]:
    """(frames, end of the last frame in seconds) of a clip's video stream (kept while the file is
    unchanged)."""
    return video_timing(path)


_BLACK = re.compile(r"black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)")
_FREEZE = re.compile(r"freezedetect\.freeze_(start|end):\s*([\d.]+)")


def parse_detections(log: str, end_s: float) -> list[Stretch]:
    """The stretches in ffmpeg's log; a freeze still open at the end lasts until end_s."""
    stretches = [Stretch("black", float(a), float(b)) for a, b in _BLACK.findall(log)]
    frozen_since = None
    for edge, seconds in _FREEZE.findall(log):
        if edge == "start":
            frozen_since = float(seconds)
        elif frozen_since is not None:
            stretches.append(Stretch("frozen", frozen_since, float(seconds)))
            frozen_since = None
    if frozen_since is not None:
        stretches.append(Stretch("frozen", frozen_since, end_s))
    return sorted(stretches, key=lambda s: s.start_s)


def dark_and_frozen_stretches(path: Path, end_s: float, min_s: float = STRETCH_LIMIT_S) -> list[Stretch]:
    """Black and frozen stretches of a film's picture (end_s long) longer than min_s, in one decode."""
    graph = (
        f"scale={DETECT_WIDTH}:-2:flags=fast_bilinear,"
        f"blackdetect=d={min_s}:pix_th={BLACK_PIXEL},freezedetect=n={FREEZE_NOISE_DB}dB:d={min_s}"
    )
    result = subprocess.run(
        # B-frames are not decoded (`-skip_frame bidir`): our H.264 keeps about one frame in four
        # as I or P, a picture every ~0.15 s at 24 fps, plenty to see a one-second black or freeze,
        # and the scan takes a third of a full decode (0.7 s against 2.1 s on night_shift's cut)
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "info", "-skip_loop_filter", "all"]
        + ["-skip_frame", "bidir"]
        + ["-i", str(path), "-an", "-sn", "-vf", graph, "-f", "null", "-"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    log = result.stderr.decode(errors="replace")
    if result.returncode != 0:
        tail = "\n".join(log.strip().splitlines()[-8:])
        raise EncodeError(f"ffmpeg exited with {result.returncode} scanning {path.name}: {tail}")
    return parse_detections(log, end_s)
