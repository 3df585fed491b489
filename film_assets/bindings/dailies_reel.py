"""The dailies reel: slates (a picture held for a number of frames) and takes (a clip with its
burn-in laid over it), joined in order at one size and one fps into an H.264 yuv420p MP4 with
exactly the frames asked for.

The takes are decoded one after another with PyAV, the burn-in blended into each frame's band in
yuv420p, and the frames fed to one ffmpeg encoder. One ffmpeg graph with every take as an input
was tried first: ffmpeg opens and decodes ahead every input at once, and 60 takes at 720p took
1.7 GB; this way one take is open at a time. The reel is silent: takes are picture-only segments;
the mixed sound belongs to the cut.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from film_assets.bindings.ffmpeg import EncodeError, ffmpeg_exe
from film_assets.bindings.media_probe import video_timing
from film_assets.domain.video.encoding import VideoSettings, h264_args
from film_assets.domain.video.frame_rate import frame_rate

if TYPE_CHECKING:  # imported where used, as in media_probe.py
    import av

MAX_WIDTH = 1280  # a review reel, not a delivery: 720p is plenty and keeps it quick to make and send
REEL_CRF = 23  # a review copy: smaller than the delivery's 20, still clean enough to judge a take
BLACK_Y, NEUTRAL_C = 16, 128  # black in limited-range yuv


@dataclass(frozen=True)
class SlateItem:
    image: Path  # a picture at the reel's size
    frames: int


@dataclass(frozen=True)
class TakeItem:
    clip: Path
    burn_in: Path  # an RGBA PNG at the reel's size, transparent outside its band
    frames: int  # frames the take shows in the reel; a short clip holds its last frame


@dataclass(frozen=True)
class ClipFormat:
    width: int
    height: int
    fps: Fraction
    frames: int


def clip_format(path: Path) -> ClipFormat:
    """A clip's picture size, frame rate and frame count (from its packets, nothing decoded)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        rate = stream.average_rate or stream.guessed_rate or Fraction(24)
    frames, _ = video_timing(path)
    return ClipFormat(width, height, frame_rate(Fraction(rate)), frames)


def reel_size(width: int, height: int, max_width: int = MAX_WIDTH) -> tuple[int, int]:
    """The takes' size, scaled down to max_width when wider, in even dimensions (yuv420p)."""
    if width > max_width:
        height, width = height * max_width / width, max_width
    return max(16, int(width) // 2 * 2), max(16, round(height / 2) * 2)


def frames_at(clip: ClipFormat, fps: Fraction) -> int:
    """How many reel frames a clip lasts at the reel's fps (its own count when the rates match)."""
    if clip.fps == fps:
        return clip.frames
    return max(1, round(clip.frames * fps / clip.fps))


def build_reel(
    items: list[SlateItem | TakeItem], output: Path, width: int, height: int, fps: Fraction | int | str
) -> int:
    """Encode the reel to output (written beside it, then renamed: never half a file under that
    name); returns its frame count, checked against the frames asked for."""
    if not items:
        raise ValueError("a dailies reel needs at least one slate or take")
    for item in items:
        if item.frames < 1:
            raise ValueError(f"{item} must last at least one frame")
    settings = VideoSettings(width=width, height=height, fps=frame_rate(fps), crf=REEL_CRF)
    expected = sum(item.frames for item in items)
    output = Path(output)
    temp = output.with_name(f".{output.stem}.{uuid.uuid4().hex}.part{output.suffix}")
    try:
        _encode(_reel_frames(items, settings), settings, expected, temp)
        frames, _ = video_timing(temp)
        if frames != expected:
            raise EncodeError(f"the dailies reel came out {frames} frames long, {expected} were asked for")
        os.replace(temp, output)
    finally:
        temp.unlink(missing_ok=True)
    return expected


def _reel_frames(items: list[SlateItem | TakeItem], settings: VideoSettings) -> Iterator[bytes]:
    """Every frame of the reel in order, as raw yuv420p."""
    for item in items:
        if isinstance(item, SlateItem):
            with Image.open(item.image) as image:
                picture = _yuv(_fitted(image.convert("RGB"), settings.width, settings.height)).tobytes()
            for _ in range(item.frames):
                yield picture
        else:
            yield from _take_frames(item, settings)


def _take_frames(item: TakeItem, settings: VideoSettings) -> Iterator[bytes]:
    """The take's frames at the reel's size and fps with its burn-in blended in: exactly
    item.frames of them, its last frame held if the clip runs short."""
    width, height = settings.width, settings.height
    with Image.open(item.burn_in) as image:
        burn = _BurnIn(_fitted(image.convert("RGBA"), width, height))
    import av

    with av.open(str(item.clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = frame_rate(Fraction(stream.average_rate or settings.fps))
        decoded = container.decode(stream)
        frame, index, shown, picture = None, -1, -2, b""
        for k in range(item.frames):
            # the source frame on screen at reel frame k (the same frame when the rates match)
            wanted = k if rate == settings.fps else int(k * rate / settings.fps)
            while index < wanted:
                following = next(decoded, None)
                if following is None:
                    break
                frame, index = following, index + 1
            if frame is None:
                raise EncodeError(f"{item.clip} has no picture to show")
            if shown != index:
                picture, shown = burn.over(_frame_yuv(frame, width, height)).tobytes(), index
            yield picture


class _BurnIn:
    """A burn-in in yuv420p with its alpha, over the rows it covers (the rest is transparent)."""

    def __init__(self, rgba: Image.Image):
        width, height = rgba.size
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.uint16)
        rows = np.flatnonzero(alpha.any(axis=1))
        self.width, self.height = width, height
        if rows.size == 0:
            self.top = self.bottom = 0
            return
        # whole chroma rows: an even top and bottom
        self.top, self.bottom = int(rows[0]) // 2 * 2, min(height, (int(rows[-1]) + 2) // 2 * 2)
        band = rgba.crop((0, self.top, width, self.bottom))
        self.y, self.u, self.v = _planes(_yuv(band.convert("RGB")), width, self.bottom - self.top)
        self.alpha = alpha[self.top : self.bottom]
        a = self.alpha
        self.chroma_alpha = (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2] + 2) // 4

    def over(self, picture: np.ndarray) -> np.ndarray:
        if self.bottom == self.top:
            return picture
        y, u, v = _planes(picture, self.width, self.height)
        top, bottom = self.top, self.bottom
        _blend(y[top:bottom], self.y, self.alpha)
        _blend(u[top // 2 : bottom // 2], self.u, self.chroma_alpha)
        _blend(v[top // 2 : bottom // 2], self.v, self.chroma_alpha)
        return picture


def _blend(under: np.ndarray, over: np.ndarray, alpha: np.ndarray) -> None:
    mixed = (under.astype(np.uint16) * (255 - alpha) + over.astype(np.uint16) * alpha + 127) // 255
    under[...] = mixed.astype(np.uint8)


def _planes(flat: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of a raw yuv420p frame's Y, U and V planes."""
    luma, chroma = width * height, (width // 2) * (height // 2)
    return (
        flat[:luma].reshape(height, width),
        flat[luma : luma + chroma].reshape(height // 2, width // 2),
        flat[luma + chroma :].reshape(height // 2, width // 2),
    )


def _yuv(image: Image.Image) -> np.ndarray:
    """A picture as raw yuv420p, bt709 limited range (how every clip of the project is encoded)."""
    import av

    frame = av.VideoFrame.from_image(image)
    return _flat(frame.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG"))


def _flat(frame: av.VideoFrame) -> np.ndarray:
    return np.ascontiguousarray(frame.to_ndarray()).reshape(-1).copy()


def _fitted(image: Image.Image, width: int, height: int) -> Image.Image:
    """The image at the reel's size (a card made for another size is scaled, not cropped)."""
    return image if image.size == (width, height) else image.resize((width, height), Image.Resampling.LANCZOS)


def _frame_yuv(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    """A decoded frame as raw yuv420p at the reel's size: fitted inside it, centred on black."""
    if (frame.width, frame.height) == (width, height):
        return _flat(frame.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG"))
    scale = min(width / frame.width, height / frame.height)
    fit_w, fit_h = max(2, round(frame.width * scale / 2) * 2), max(2, round(frame.height * scale / 2) * 2)
    fitted = _flat(
        frame.reformat(
            fit_w, fit_h, "yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG", interpolation="LANCZOS"
        )
    )
    canvas = np.empty(width * height * 3 // 2, dtype=np.uint8)
    y, u, v = _planes(canvas, width, height)
    y[...], u[...], v[...] = BLACK_Y, NEUTRAL_C, NEUTRAL_C
    left, top = (width - fit_w) // 4 * 2, (height - fit_h) // 4 * 2
    fy, fu, fv = _planes(fitted, fit_w, fit_h)
    y[top : top + fit_h, left : left + fit_w] = fy
    u[top // 2 : (top + fit_h) // 2, left // 2 : (left + fit_w) // 2] = fu
    v[top // 2 : (top + fit_h) // 2, left // 2 : (left + fit_w) // 2] = fv
    return canvas


def _encode(frames: Iterator[bytes], settings: VideoSettings, count: int, output: Path) -> None:
    """Feed raw yuv420p frames to ffmpeg's H.264 encoder; EncodeError with its log on failure."""
    size = f"{settings.width}x{settings.height}"
    raw_input = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", size, "-r", settings.fps_arg]
    tags = ["-color_range", "tv", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"]
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: nobody has to drain it meanwhile
        process = subprocess.Popen(
            [
                ffmpeg_exe(),
                "-hide_banner",
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                *raw_input,
                *tags,
                "-i",
                "pipe:0",
                "-an",
                "-frames:v",
                str(count),
                *h264_args(settings)[2:],  # already yuv420p bt709: no conversion filter
                "-movflags",
                "+faststart",
                str(output),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            for picture in frames:
                process.stdin.write(picture)
            process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped reading: it failed, and its log says why
        except BaseException:
            process.kill()
            process.wait()
            raise
        code = process.wait()
        if code != 0:
            log.seek(0)
            tail = "\n".join(log.read().decode(errors="replace").strip().splitlines()[-8:])
            raise EncodeError(f"ffmpeg exited with {code} making the dailies reel: {tail}")
