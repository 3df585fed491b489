"""Delivery: the final cut (MP4), its subtitles (SRT) and its editorial timeline (OTIO), with the
film's poster frame, its contact sheet and links that play it in a browser."""

import hashlib
import io
import json
import time
from contextlib import ExitStack

import pandas as pd
from dagster import AssetExecutionContext, MetadataValue, Output, asset

from film_assets.assets.catalog import (
    image_markdown,
    jpeg_bytes,
    keyframe_thumbnail,
    link_value,
    links_markdown,
    media_links_of,
    project_of,
    sheet_shot,
    store_contact_sheet,
    table,
    value_version,
)
from film_assets.assets.cut_picture_check import CHECK_SPEC as CUT_PICTURE_SPEC
from film_assets.assets.cut_picture_check import black_or_freeze_result, start_scan
from film_assets.assets.delivery_checks import CHECK_SPECS, delivery_checks
from film_assets.assets.kept_results import KeptResult
from film_assets.assets.labels import labels
from film_assets.assets.placement import op_tags, pool
from film_assets.bindings.ffmpeg import assemble_cut
from film_assets.domain.screenplay.document import Screenplay
from film_assets.domain.shots.breakdown import dialogue_line_count
from film_assets.domain.shots.table import shots_from_frame
from film_assets.domain.shots.take_choice import NEWEST
from film_assets.domain.sound.audio import read_wav
from film_assets.domain.storyboard.poster import poster_shot
from film_assets.domain.video.frame_rate import frame_rate
from film_assets.domain.video.subtitles import build_cues, format_srt
from film_assets.domain.video.timeline import build_timeline, timeline_to_json
from film_assets.partitions import projects
from film_assets.review.database import review_engine
from film_assets.review.ledger import project_cost_total
from film_assets.review.reviews import project_reviews
from film_assets.review.takes import cut_takes
from film_assets.storage.shot_versions import KEYFRAME_FILE, ShotVersions
from film_assets.storage_keys import contact_sheet_key, final_cut_manifest_key, media_key, poster_key, shot_version_key
from resources.media_store import MediaNotFound, MediaStore
from resources.review_db import ReviewDatabase

GROUP = "delivery"
POSTER_WIDTH = 1280  # a poster is looked at, not printed: a 4K keyframe would weigh megabytes


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version="3",
    op_tags=op_tags("final_cut"),
    **labels("final_cut"),
    pool=pool("final_cut"),
    check_specs=[*CHECK_SPECS, CUT_PICTURE_SPEC],
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
    review_db: ReviewDatabase,
):
    project = project_of(context)
    shots = shots_from_frame(shot_list)
    # the cut follows the reviews: per shot the pinned or approved take where it still fits, else
    # the newest matching one that shot_clips made or reused
    reviews = project_reviews(review_engine(review_db.url), project)
    every_take = ShotVersions(media_store, project).all()  # read once: the choice and the cost both need it
    chosen = cut_takes(media_store, project, {s.code: shot_clips[s.code] for s in shots}, reviews, every_take)
    for choice in (c.choice for c in chosen.values()):
        for stale in choice.outdated:
            context.log.warning(
                f"{choice.code}: the {stale['kind']} of {stale['version']} is outdated ({stale['reason']}); "
                f"the cut uses {choice.version} ({choice.source})"
            )
    shot_clips = {code: take.clip for code, take in chosen.items()}  # the takes this cut is made of
    previous_versions = _previous_cut_versions(media_store, project)  # before this cut's value replaces it
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
        {code: {"review_state": take.choice.state, "take_source": take.choice.source} for code, take in chosen.items()},
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
        # which render of each shot this cut is made of, and why (approved, pinned, newest)
        "shot_versions": versions,
        "takes": {code: take.choice.to_json() for code, take in chosen.items()},
        "mix_sha256": audio_mix.get("sha256"),
        "aac_sha256": audio_mix.get("aac_sha256"),
    }
    scan = start_scan(media_store, project, value)  # on the other core while the rest is made and measured
    changed = [s.code for s in shots if previous_versions is None or previous_versions.get(s.code) != versions[s.code]]
    links = media_links_of(context, media_store, project)
    yield Output(
        value,
        data_version=value_version(value),
        metadata={
            **_pictures(media_store, project, title, shots, shot_clips, versions, changed, links),
            **_links(media_store, keys, shots, shot_clips, versions, links),
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
            **_review_metadata(chosen),
            **_cost_metadata(project_cost_total(media_store, project, every_take)),
            "join_seconds": round(join_seconds, 3),
        },
    )

    def load_clip(line: int):
        return read_wav(media_store.get_bytes(dialogue_track[str(line)]["key"]))

    kept_sound = KeptResult(media_store, media_key(project, "final_cut", "sound_qc.json"), [])
    clip_hashes = {str(line["line"]): dialogue_track[str(line["line"])]["sha256"] for line in audio_mix["lines"]}
    with media_store.reading(keys["final_cut.mp4"]) as delivered:
        yield from delivery_checks(delivered, srt, audio_mix, load_clip, float(fps), kept_sound, clip_hashes)
    yield black_or_freeze_result(scan.result(), shots, Screenplay.from_dict(scenes["screenplay"]))


def _cost_metadata(total: dict) -> dict:
    """What the project's takes cost so far (every take, kept or not): `filmstudio cost` itemises it."""
    return {
        "compute_cpu_s": round(total["cpu_s"], 1),
        "compute_gpu_s": round(total["gpu_s"], 1),
        "takes_rendered": total["takes"],
        **({"takes_unmeasured": total["unmeasured_takes"]} if total["unmeasured_takes"] else {}),
    }


def _review_metadata(chosen: dict) -> dict:
    """Which take each shot uses and why, and the approvals that no longer fit their shot."""
    choices = [take.choice for take in chosen.values()]
    outdated = [{"shot": c.code, **stale} for c in choices for stale in c.outdated]
    return {
        "takes_approved": sum(1 for c in choices if c.source != NEWEST),
        "outdated_approvals": len(outdated),
        **({"outdated": MetadataValue.json(outdated)} if outdated else {}),
        "take_table": table(
            [{"code": c.code, "version": c.version, "state": c.state, "source": c.source} for c in choices],
            {"code": "string", "version": "string", "state": "string", "source": "string"},
        ),
    }


def _previous_cut_versions(media_store: MediaStore, project: str) -> dict | None:
    """The shot versions of the project's previous final cut (None before its first): a shot
    whose take differs from it is marked new on the contact sheet."""
    try:
        return json.loads(media_store.get_bytes(final_cut_manifest_key(project))).get("shot_versions") or {}
    except (MediaNotFound, ValueError, AttributeError):
        return None


def _keyframe_key(project: str, code: str, clip: dict) -> str:
    """The keyframe a take was made from (a take over an unchanged keyframe keeps it in its version)."""
    return shot_version_key(project, code, clip.get("keyframe_version") or clip["version"], KEYFRAME_FILE)


def _short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _pictures(media_store, project, title, shots, shot_clips, versions, changed, links) -> dict:
    """The poster frame and the contact sheet, stored beside the deliverables and shown inline."""
    from PIL import Image

    code = poster_shot(shots)
    with Image.open(io.BytesIO(media_store.get_bytes(_keyframe_key(project, code, shot_clips[code])))) as keyframe:
        poster = keyframe.convert("RGB")
    if poster.width > POSTER_WIDTH:
        poster = poster.resize((POSTER_WIDTH, round(poster.height * POSTER_WIDTH / poster.width)))
    poster_jpeg = jpeg_bytes(poster, quality=85)
    stored_poster = media_store.put_bytes(poster_key(project), poster_jpeg)
    sheet_key = contact_sheet_key(project, "final_cut")
    cells = [
        sheet_shot(
            s.code,
            versions[s.code],
            keyframe_thumbnail(media_store, {"key": _keyframe_key(project, s.code, shot_clips[s.code])}),
            s.code in changed,
        )
        for s in shots
    ]
    sheet = store_contact_sheet(media_store, sheet_key, title, cells)
    return {
        "poster": image_markdown(
            f"poster frame of {title}: {code} {versions[code]}",
            links.url(stored_poster, _short_hash(poster_jpeg)),
            f"{code} {versions[code]}, the first shot with a character on screen",
            links.reason,
        ),
        "contact_sheet": image_markdown(
            f"contact sheet of {title}: {len(shots)} shots, {len(changed)} new",
            links.url(sheet_key, _short_hash(sheet)),
            f"{len(shots)} shots in film order, code and take under each; new since the previous cut: "
            f"{len(changed)} (amber, NEW)",
            links.reason,
        ),
    }


def _links(media_store, keys, shots, shot_clips, versions, links) -> dict:
    """Links that open the film, its subtitles, its timeline and every take in a browser."""

    def link(name: str):
        return link_value(links.url(keys[name]), media_store.uri(keys[name]), links.reason)

    clips = [(f"{s.code} {versions[s.code]}", links.url(shot_clips[s.code]["key"])) for s in shots]
    return {
        "video_link": link("final_cut.mp4"),
        "subtitles_link": link("final_cut.srt"),
        "timeline_link": link("timeline.otio"),
        "shot_clip_links": links_markdown(clips, links.reason),
    }
