"""Reading a delivered MP4 with PyAV (ffmpeg's libraries, in process): its decoded sound, its
video's timing and a hash of its audio stream, for the delivery QC checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from film_assets.domain.video.delivery_qc import DeliveredFilm

# PyAV is imported inside the functions: its import (~0.15 s) would otherwise be paid by every
# process that loads the code location, each run worker included, and few of them decode.


def read_delivered(path: Path) -> DeliveredFilm:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        # the decoded frames gathered in PyAV's FIFO and converted once: one array per 1024-sample
        # AAC frame cost twice the decoding's time
        fifo = av.AudioFifo()
        for frame in container.decode(stream):
            fifo.write(frame)
        whole = fifo.read()
    planar = whole.to_ndarray() if whole is not None else np.zeros((2, 0), dtype=np.float32)
    return DeliveredFilm(planar.T.astype(np.float32), rate)


def video_timing(path: Path) -> tuple[int, float]:
    """(frames, end of the last frame in seconds) of the video stream, from its packets."""
    import av

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames, video_end = 0, 0.0
        for packet in container.demux(video):
            if packet.size and packet.pts is not None:
                frames += 1
                video_end = max(video_end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return frames, video_end


def audio_stream_sha256(path: Path) -> str:
    """A hash of everything that decides the audio stream's decoded samples: its codec setup, its
    start (the edit list's priming skip) and every packet's timing and bytes. Equal hashes, equal
    sound, without decoding a sample."""
    digest = hashlib.sha256()
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        context = stream.codec_context
        digest.update(
            repr(
                (context.name, context.sample_rate, context.channels, stream.start_time, str(stream.time_base))
            ).encode()
        )
        digest.update(bytes(context.extradata or b""))
        for packet in container.demux(stream):
            if packet.size:
                digest.update(repr((packet.pts, packet.duration)).encode())
                digest.update(bytes(packet))
    return digest.hexdigest()
