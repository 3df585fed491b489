"""Video encoding with the ffmpeg binary that imageio-ffmpeg ships (no system ffmpeg needed).

ffmpeg is driven directly rather than through moviepy: moviepy costs 2-3x a direct ffmpeg pipeline
for the same frames (measured, see docs/architecture.md), and encoding is the bottleneck of a
render. The options come from domain/video/encoding.py, so every segment concatenates.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from film_assets.domain.video.encoding import AAC_ARGS, VideoSettings, h264_args, is_aac
from film_assets.domain.video.frame_rate import frame_rate
from film_assets.domain.video.motion import camera_move_filter


class EncodeError(RuntimeError):
    """ffmpeg failed; the message carries the tail of its log."""


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def _run(args: list[str]) -> None:
    """Run ffmpeg; raise EncodeError with the tail of its log on failure."""
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if result.returncode != 0:
        raise _failure(result.returncode, result.stderr)


def _failure(code: int, log: bytes) -> EncodeError:
    tail = "\n".join(log.decode(errors="replace").strip().splitlines()[-8:])
    return EncodeError(f"ffmpeg exited with {code}: {tail}")


def encode_shot_clip(
    keyframe: Path,
    move: str,
    frame_count: int,
    output: Path,
    settings: VideoSettings,
    still_top: int = 0,
    still_bottom: int | None = None,
) -> None:
    """Encode one shot: the keyframe under its camera move, exactly frame_count frames, no audio.
    Rows outside [still_top, still_bottom) (a storyboard's header and caption) stay still."""
    if frame_count < 1:
        raise ValueError(f"a shot needs at least one frame, got {frame_count}")
    graph = camera_move_filter(
        move, frame_count, settings.width, settings.height, settings.fps_arg, still_top, still_bottom
    )
    # the graph already delivers bt709 yuv420p, so h264_args' own -vf is left out
    _run(
        [
            "-i",
            str(keyframe),
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-r",
            settings.fps_arg,
            "-frames:v",
            str(frame_count),
            "-an",
            *h264_args(settings)[2:],
            str(output),
        ]
    )


def encode_image_sequence(
    pattern: str, input_rate: Fraction, frame_count: int, output: Path, settings: VideoSettings
) -> None:
    """Encode numbered frames (e.g. a generated clip) into a shot of exactly frame_count frames at
    the project's fps: frames are shown at input_rate, scaled to the frame size, and the last one
    is held if the clip runs short of the shot."""
    rate = Fraction(input_rate).limit_denominator(1001)
    graph = (
        f"scale={settings.width}:{settings.height}:flags=lanczos:out_color_matrix=bt709:out_range=tv,"
        f"format=yuv420p,fps={settings.fps_arg},tpad=stop_mode=clone:stop_duration=2"
    )
    _run(
        [
            "-framerate",
            f"{rate.numerator}/{rate.denominator}",
            "-i",
            pattern,
            "-vf",
            graph,
            "-frames:v",
            str(frame_count),
            "-an",
            *h264_args(settings)[2:],
            str(output),
        ]
    )


class AacEncoding:
    """The delivery sound encoded by ffmpeg beside the caller: float32 samples (n, channels) at
    sample_rate, fed from memory, as AAC 48 kHz stereo in an M4A, which the final cut then copies
    (its priming is recorded in the M4A's edit list, so a copy stays sample-aligned).

    Started, it works on its own core while the caller goes on (the mix stores its WAV meanwhile);
    wait() returns when the M4A is complete and raises EncodeError if ffmpeg failed. Fed from
    memory rather than from the stored WAV, the encode never waits for that WAV, nor reads it back
    from S3, and its bytes are the same (tests/bindings/test_video.py compares the two)."""

    def __init__(self, samples: np.ndarray, sample_rate: int, output: Path):
        frames = np.ascontiguousarray(samples, dtype=np.float32)
        channels = 1 if frames.ndim == 1 else frames.shape[1]
        self._log = tempfile.TemporaryFile()  # a file, not a pipe: nobody has to drain it meanwhile
        self._process = subprocess.Popen(
            [
                ffmpeg_exe(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "f32le",
                "-ar",
                str(sample_rate),
                "-ac",
                str(channels),
                "-i",
                "pipe:0",
                "-vn",
                *AAC_ARGS,
                "-f",
                "ipod",
                str(output),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self._feeder = threading.Thread(target=self._feed, args=(memoryview(frames).cast("B"),), daemon=True)
        self._feeder.start()

    def _feed(self, data: memoryview) -> None:
        try:
            self._process.stdin.write(data)
        except BrokenPipeError:
            pass  # ffmpeg stopped reading: it failed, and wait() reports its log
        finally:
            try:
                self._process.stdin.close()
            except BrokenPipeError:
                pass

    def wait(self) -> None:
        self._feeder.join()
        code = self._process.wait()
        self._log.seek(0)
        log = self._log.read()
        self._log.close()
        if code != 0:
            raise _failure(code, log)


def assemble_cut(
    segments: list[Path], output: Path, duration_s: float, fps: Fraction, audio: Path | None = None
) -> None:
    """Join per-shot segments without re-encoding and add the sound: the given audio file (an
    M4A of AAC is copied, anything else encoded), or 48 kHz stereo silence. Delivery format: MP4
    with faststart, AAC 48 kHz stereo."""
    if not segments:
        raise ValueError("a final cut needs at least one shot segment")
    with tempfile.TemporaryDirectory(prefix="film-assets-cut-") as folder:
        listing = Path(folder) / "segments.txt"
        # the concat demuxer's list format: one quoted path a line, single quotes escaped
        listing.write_text("".join("file '" + str(Path(s).resolve()).replace("'", r"'\''") + "'\n" for s in segments))
        # silence is endless, so it is cut to the film's length; a real mix already has it, and
        # cutting with -t would shave the last video frame's duration by a rounding error
        audio_input = (
            ["-i", str(audio)]
            if audio
            else ["-f", "lavfi", "-t", f"{duration_s:.6f}", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]
        )
        _run(
            [
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(listing),
                *audio_input,
                "-map",
                "0:v:0",
                "-map",
                "1:a:0",
                "-c:v",
                "copy",
                *(["-c:a", "copy"] if audio and is_aac(audio) else AAC_ARGS),
                # a video timescale of whole frames: the concat demuxer's microsecond timestamps
                # otherwise round 1/12 s and friends, shortening the film by a fraction of a frame
                "-video_track_timescale",
                str(frame_rate(fps).numerator),
                "-movflags",
                "+faststart",
                str(output),
            ]
        )
