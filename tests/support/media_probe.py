"""Read a delivered MP4 the way a player would (PyAV, ffmpeg's own libraries): streams, codec,
profile, pixel format, exact frame count, durations and whether the index is at the front."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av


def top_level_boxes(path: Path) -> list[str]:
    boxes, offset, size_total = [], 0, path.stat().st_size
    with open(path, "rb") as handle:
        while offset < size_total:
            handle.seek(offset)
            header = handle.read(16)
            size, kind = struct.unpack(">I4s", header[:8])
            if size == 1:
                size = struct.unpack(">Q", header[8:16])[0]
            boxes.append(kind.decode("latin-1"))
            offset += size if size else size_total
    return boxes


def probe(path: Path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        info = {
            "video_codec": video.codec_context.name,
            "profile": video.codec_context.profile,
            "pix_fmt": video.codec_context.pix_fmt,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "fps": Fraction(video.average_rate),
            "audio_codec": audio.codec_context.name if audio else None,
            "sample_rate": audio.codec_context.sample_rate if audio else None,
            "channels": audio.codec_context.channels if audio else None,
            "container_duration_s": container.duration / 1_000_000,
        }
        frames, last_video_end = 0, 0.0
        audio_end = 0.0
        for packet in container.demux():
            if packet.size == 0 or packet.pts is None:
                continue
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            if packet.stream.type == "video":
                frames += 1
                last_video_end = max(last_video_end, end)
            elif packet.stream.type == "audio":
                audio_end = max(audio_end, end)
        info.update(frames=frames, video_duration_s=last_video_end, audio_duration_s=audio_end)
    boxes = top_level_boxes(Path(path))
    info["faststart"] = "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")
    return info
