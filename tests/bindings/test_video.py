"""Shots are encoded with real ffmpeg: exact frame counts, delivery format, still text bands, and a
final cut that joins the shots without re-encoding them."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from film_assets.bindings.ffmpeg import AacEncoding, EncodeError, assemble_cut, encode_shot_clip, ffmpeg_exe
from film_assets.bindings.media_probe import audio_stream_sha256
from film_assets.domain.sound.audio import wav_bytes
from film_assets.domain.video.encoding import AAC_ARGS, VideoSettings
from film_assets.domain.video.motion import CAMERA_MOVES
from tests.support.media_probe import probe

SMALL = VideoSettings(width=320, height=180, fps=Fraction(12))


@pytest.fixture(scope="module")
def keyframe(tmp_path_factory) -> Path:
    """A test card with structure everywhere, so any movement changes pixels."""
    image = Image.new("RGB", (320, 180), (20, 30, 60))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 320, 20), fill=(240, 240, 240))  # header band
    draw.rectangle((0, 150, 320, 180), fill=(250, 200, 40))  # caption band
    for x in range(0, 320, 16):
        draw.line((x, 20, x + 40, 150), fill=(200, 80 + x // 4, 90), width=3)
        draw.rectangle((x, 4, x + 5, 16), fill=(10, 10, 10))  # "text" in the header
        draw.rectangle((x + 8, 156, x + 12, 174), fill=(10, 10, 10))  # and in the caption
    path = tmp_path_factory.mktemp("key") / "keyframe.png"
    image.save(path)
    return path


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(video=0)]


@pytest.mark.parametrize("move", CAMERA_MOVES)
def test_each_camera_move_gives_exact_frames_in_delivery_format(move, keyframe, tmp_path):
    out = tmp_path / f"{move}.mp4"
    encode_shot_clip(keyframe, move, 30, out, SMALL)
    info = probe(out)
    assert (info["video_codec"], info["profile"], info["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (info["width"], info["height"], info["fps"], info["frames"]) == (320, 180, 12, 30)
    frames = frames_of(out)
    assert np.abs(frames[0] - frames[-1]).mean() > 3, "the camera must move"


def test_still_bands_stay_still_while_the_picture_moves(keyframe, tmp_path):
    out = tmp_path / "banded.mp4"
    encode_shot_clip(keyframe, "push_in", 24, out, SMALL, still_top=20, still_bottom=150)
    first, last = frames_of(out)[0], frames_of(out)[-1]

    # Share of pixels that changed by more than compression noise: a moved band scores 0.4-0.6
    # here, a still one under 0.05. Rows 16..159 are skipped where a 16-row macroblock straddles
    # a band edge and shares its neighbour's noise.
    def changed(rows):
        return (np.abs(first[rows] - last[rows]).max(axis=2) > 32).mean()

    assert changed(slice(0, 16)) < 0.1, "header rows moved"
    assert changed(slice(160, 180)) < 0.1, "caption rows moved"
    assert np.abs(first[22:148] - last[22:148]).mean() > 3, "picture did not move"


def test_final_cut_joins_shots_without_reencoding(keyframe, tmp_path):
    clips = []
    for index, (move, frames) in enumerate((("push_in", 13), ("pan_left", 29), ("pull_out", 7))):
        clip = tmp_path / f"clip{index}.mp4"
        encode_shot_clip(keyframe, move, frames, clip, SMALL)
        clips.append(clip)
    cut = tmp_path / "cut.mp4"
    assemble_cut(clips, cut, duration_s=49 / 12, fps=Fraction(12))
    info = probe(cut)
    assert info["frames"] == 49
    assert info["video_duration_s"] == pytest.approx(49 / 12, abs=1 / 12)
    assert info["audio_codec"] == "aac" and info["sample_rate"] == 48000 and info["channels"] == 2
    assert info["audio_duration_s"] == pytest.approx(49 / 12, abs=1 / 12)
    assert info["faststart"], "moov must come before mdat"
    shot, joined = frames_of(clips[1]), frames_of(cut)[13:42]
    assert all(np.array_equal(a, b) for a, b in zip(shot, joined, strict=True)), (
        "a shot's frames must be bit-identical in the cut: copied, not re-encoded"
    )


def _tone(hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * 48000)) / 48000
    return np.stack([np.sin(2 * np.pi * hz * t)] * 2, axis=1).astype(np.float32) * 0.3


def _encode_aac(samples: np.ndarray, output: Path) -> Path:
    AacEncoding(samples, 48000, output).wait()
    return output


def test_an_aac_sound_is_copied_into_the_cut_sample_for_sample(keyframe, tmp_path):
    clip = tmp_path / "clip.mp4"
    encode_shot_clip(keyframe, "push_in", 24, clip, SMALL)
    sound = _encode_aac(_tone(440, 2.0), tmp_path / "mix.m4a")
    cut = tmp_path / "cut.mp4"
    assemble_cut([clip], cut, duration_s=2.0, fps=Fraction(12), audio=sound)

    def decoded(path: Path) -> np.ndarray:
        with av.open(str(path)) as container:
            return np.concatenate([f.to_ndarray() for f in container.decode(container.streams.audio[0])], axis=1)

    # the same samples, priming skipped the same way: the copy neither shifts nor re-encodes
    assert np.array_equal(decoded(cut), decoded(sound))
    assert audio_stream_sha256(cut) == audio_stream_sha256(sound)
    other = _encode_aac(_tone(660, 2.0), tmp_path / "other.m4a")
    assert audio_stream_sha256(other) != audio_stream_sha256(sound)


def test_aac_fed_from_memory_is_the_encode_of_the_stored_wav_byte_for_byte(tmp_path):
    """The mix encodes its samples from memory while it stores the WAV: the M4A must be what
    ffmpeg makes of that WAV file, so nothing about the delivered sound depends on the route."""
    samples = _tone(440, 3.0) * np.linspace(0.2, 1.0, 3 * 48000, dtype=np.float32)[:, None]
    wav = tmp_path / "mix.wav"
    wav.write_bytes(wav_bytes(samples))
    from_file = tmp_path / "from_file.m4a"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(wav),
            "-vn",
            *AAC_ARGS,
            "-f",
            "ipod",
            str(from_file),
        ],
        check=True,
    )
    from_memory = _encode_aac(samples, tmp_path / "from_memory.m4a")
    assert from_memory.read_bytes() == from_file.read_bytes()
    with av.open(str(from_memory)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.codec_context.sample_rate, stream.codec_context.channels) == (
            "aac",
            48000,
            2,
        )


def test_a_failed_aac_encode_says_why(tmp_path):
    with pytest.raises(EncodeError, match="ffmpeg exited"):
        _encode_aac(_tone(440, 1.0), tmp_path / "no such folder" / "mix.m4a")


def test_frame_size_must_suit_h264():
    with pytest.raises(ValueError, match="even"):
        VideoSettings(width=1279, height=720)
    with pytest.raises(ValueError, match="fps"):
        VideoSettings(fps=Fraction(500))


def test_ffmpeg_failure_is_reported_with_its_log(tmp_path):
    not_an_image = tmp_path / "broken.png"
    not_an_image.write_bytes(b"this is not a png")
    with pytest.raises(EncodeError, match="ffmpeg exited"):
        encode_shot_clip(not_an_image, "push_in", 5, tmp_path / "out.mp4", SMALL)
