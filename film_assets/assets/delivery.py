"""Delivery: the final cut (MP4), its subtitles (SRT) and its editorial timeline (OTIO)."""

import time
from contextlib import ExitStack

import pandas as pd
from dagster import AssetExecutionContext, MetadataValue, Output, asset

from film_assets.assets.catalog import project_of, value_version
from film_assets.assets.delivery_checks import CHECK_SPECS, delivery_checks
from film_assets.assets.kept_results import KeptResult
from film_assets.assets.labels import labels
from film_assets.assets.placement import op_tags, pool
from film_assets.bindings.ffmpeg import assemble_cut
from film_assets.domain.shots.breakdown import dialogue_line_count
from film_assets.domain.shots.table import shots_from_frame
from film_assets.domain.sound.audio import read_wav
from film_assets.domain.video.frame_rate import frame_rate
from film_assets.domain.video.subtitles import build_cues, format_srt
from film_assets.domain.video.timeline import build_timeline, timeline_to_json
from film_assets.partitions import projects
from film_assets.storage_keys import media_key
from resources.media_store import MediaStore

GROUP = "delivery"


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version="3",
    op_tags=op_tags("final_cut"),
    **labels("final_cut"),
    pool=pool("final_cut"),
    check_specs=CHECK_SPECS,
    description="The final cut for delivery: the film as an H.264 MP4 with the mix as AAC 48 kHz stereo, an SRT "
    "with one subtitle per dialogue line, and an OpenTimelineIO timeline for the editor, one clip per shot.",
)
def final_cut(
    context: AssetExecutionContext,
    shot_list: pd.DataFrame,
    shot_clips: dict,
    scenes: dict,
    audio_mix: dict,
    dialogue_track: dict,
    media_store: MediaStore,
):
    project = project_of(context)
    shots = shots_from_frame(shot_list)
    fps = frame_rate(shots[0].fps)
    frames = sum(shot.duration_frames for shot in shots)
    duration = float(frames / fps)
    keys = {name: media_key(project, "final_cut", name) for name in ("final_cut.mp4", "final_cut.srt", "timeline.otio")}
    started = time.perf_counter()
    with ExitStack() as stack:
        segments = [stack.enter_context(media_store.reading(shot_clips[shot.code]["key"])) for shot in shots]
        # the mix's AAC encode is copied in; a mix stored before it had one is encoded here
        mix = stack.enter_context(media_store.reading(audio_mix.get("aac") or audio_mix["key"]))
        output = stack.enter_context(media_store.writing(keys["final_cut.mp4"]))
        assemble_cut(segments, output, duration, fps, audio=mix)  # stream copies: nothing is re-encoded
    join_seconds = time.perf_counter() - started
    cues = build_cues(shots)
    srt = format_srt(cues)
    media_store.put_bytes(keys["final_cut.srt"], srt.encode("utf-8"))
    title = scenes["screenplay"]["title_page"].get("title") or project
    versions = {s.code: shot_clips[s.code]["version"] for s in shots}
    timeline = build_timeline(
        title,
        shots,
        fps,
        {s.code: media_store.uri(shot_clips[s.code]["key"]) for s in shots},
        media_store.uri(keys["final_cut.mp4"]),
        versions,
    )
    media_store.put_bytes(keys["timeline.otio"], timeline_to_json(timeline).encode("utf-8"))
    value = {
        "video": keys["final_cut.mp4"],
        "subtitles": keys["final_cut.srt"],
        "timeline": keys["timeline.otio"],
        "duration_s": round(duration, 6),
        "frames": frames,
        "shots": len(shots),
        "dialogue_lines": dialogue_line_count(shots),
        "subtitle_cues": len(cues),
        "shot_clips": {s.code: shot_clips[s.code]["key"] for s in shots},
        # which render of each shot this cut is made of
        "shot_versions": versions,
        "mix_sha256": audio_mix.get("sha256"),
        "aac_sha256": audio_mix.get("aac_sha256"),
    }
    yield Output(
        value,
        data_version=value_version(value),
        metadata={
            "duration_s": round(duration, 3),
            "frames": frames,
            "shots": len(shots),
            "subtitle_cues": len(cues),
            "frame_size": f"{shots[0].width}x{shots[0].height}",
            "fps": float(fps),
            "video": MetadataValue.path(media_store.uri(keys["final_cut.mp4"])),
            "subtitles": MetadataValue.path(media_store.uri(keys["final_cut.srt"])),
            "timeline": MetadataValue.path(media_store.uri(keys["timeline.otio"])),
            "shot_versions": MetadataValue.json(versions),
            "join_seconds": round(join_seconds, 3),
        },
    )

    def load_clip(line: int):
        return read_wav(media_store.get_bytes(dialogue_track[str(line)]["key"]))

    kept_sound = KeptResult(media_store, media_key(project, "final_cut", "sound_qc.json"), [])
    clip_hashes = {str(line["line"]): dialogue_track[str(line["line"])]["sha256"] for line in audio_mix["lines"]}
    with media_store.reading(keys["final_cut.mp4"]) as delivered:
        yield from delivery_checks(delivered, srt, audio_mix, load_clip, float(fps), kept_sound, clip_hashes)
