"""The picture: one keyframe per shot, then each shot's camera move encoded as its own segment."""

import hashlib
import io
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import pandas as pd
from dagster import AssetExecutionContext, Config, MetadataValue, Output, asset
from pydantic import Field

from film_assets.assets.catalog import (
    image_markdown,
    keyframe_thumbnail,
    media_links_of,
    project_of,
    sheet_shot,
    short_key,
    shortened,
    store_contact_sheet,
    table,
    value_version,
)
from film_assets.assets.labels import labels
from film_assets.assets.placement import op_tags, pool
from film_assets.assets.qc_checks import (
    CLIP_LENGTHS,
    KEYFRAMES,
    clips_as_long_as_their_shots,
    keyframes_sized_and_not_blank,
)
from film_assets.assets.run_request import forced_shots
from film_assets.domain.shots.table import shots_from_frame
from film_assets.domain.video.encoding import VideoSettings
from film_assets.partitions import projects
from film_assets.storage.shot_versions import ShotVersions
from film_assets.storage_keys import contact_sheet_key
from resources.animator import Animator
from resources.media_store import MediaStore
from resources.renderer import Renderer

GROUP = "picture"
PROGRESS_EVERY_S = 5.0


class _Progress:
    """Logs 'n/total' at most every few seconds, and always the last one."""

    def __init__(self, context: AssetExecutionContext, what: str, total: int):
        self.context, self.what, self.total, self.last = context, what, total, 0.0

    def __call__(self, done: int, code: str) -> None:
        now = time.monotonic()
        if done == self.total or now - self.last >= PROGRESS_EVERY_S:
            self.context.log.info(f"{self.what}: {done}/{self.total} shots ({code})")
            self.last = now


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version="2",
    op_tags=op_tags("keyframes"),
    **labels("keyframes"),
    pool=pool("keyframes"),
    check_specs=[KEYFRAMES],
    description="The storyboard: one keyframe per shot, drawn or generated, with the parameters that made it. "
    "Each render is kept as a shot version (v001, v002, …); shots whose inputs are unchanged "
    "reuse their newest version.",
)
def keyframes(context: AssetExecutionContext, shot_list: pd.DataFrame, media_store: MediaStore, renderer: Renderer):
    project = project_of(context)
    shots = shots_from_frame(shot_list)
    width, height = (shots[0].width, shots[0].height) if shots else (1280, 720)
    versions, forced = ShotVersions(media_store, project, context.run.run_id), forced_shots(context)
    shot_keys = {shot.code: renderer.shot_key(shot, width, height) for shot in shots}
    reused = {
        shot.code: record
        for shot in shots
        if (record := versions.find(shot.code, "keyframe", shot_keys[shot.code], made_in_this_run=shot.code in forced))
    }
    to_render = [shot for shot in shots if shot.code not in reused]
    if reused:
        context.log.info(
            f"keyframes: {len(reused)} of {len(shots)} shots already rendered from the same inputs; "
            f"rendering {len(to_render)}"
        )
    rendered_entries, thumbs, progress = {}, {}, _Progress(context, "keyframes", len(to_render))
    started = time.perf_counter()
    for done, rendered in enumerate(renderer.render(to_render, width, height, project), start=1):
        buffer = io.BytesIO()
        rendered.image.save(
            buffer, format="PNG", compress_level=1
        )  # zlib level 6 costs ~3x the time for ~20% less size
        data = buffer.getvalue()
        band = rendered.picture_band or (0, height)
        entry = {
            "render_key": rendered.render_key,
            "shot_key": shot_keys[rendered.code],
            "picture_band": list(band),
            "sha256": hashlib.sha256(data).hexdigest(),
            **rendered.parameters,
            **(rendered.measurements or {}),
        }
        record = versions.add_keyframe(
            rendered.code, data, entry, versions.reason(rendered.code, rendered.code in forced)
        )
        rendered_entries[rendered.code] = record["keyframe"]
        thumbs[rendered.code] = keyframe_thumbnail(media_store, record["keyframe"], rendered.image)
        progress(done, rendered.code)
    manifest = {shot.code: rendered_entries.get(shot.code) or reused[shot.code]["keyframe"] for shot in shots}
    sheet_key = contact_sheet_key(project, "keyframes")
    sheet = store_contact_sheet(
        media_store,
        sheet_key,
        f"{project}: keyframes",
        [
            sheet_shot(
                code, entry["version"], thumbs.get(code) or keyframe_thumbnail(media_store, entry), code in thumbs
            )
            for code, entry in manifest.items()
        ],
    )
    links = media_links_of(context, media_store, project)
    rows = [  # what a reviewer scans first (take and status) first, the hash last and short
        {
            "code": code,
            "version": entry["version"],
            "status": "reused" if code in reused else "rendered",
            "seed": entry["seed"],
            "prompt": shortened(entry["prompt"]),
            "render_key": short_key(entry["render_key"]),
        }
        for code, entry in manifest.items()
    ]
    source_lines = {shot.code: shot.source_line for shot in shots}
    yield Output(
        manifest,
        data_version=value_version(content_of(manifest)),
        metadata={
            "shots": len(manifest),
            "shots_rendered": len(rendered_entries),
            "shots_reused": len(reused),
            "renderer": f"{renderer.name} v{renderer.version}",
            "frame_size": f"{width}x{height}",
            "render_seconds": round(time.perf_counter() - started, 3),
            # a link to the stored sheet, not data URIs: the event log stays a few hundred bytes
            "contact_sheet": image_markdown(
                f"contact sheet of the keyframes of {project}: {len(manifest)} shots, {len(rendered_entries)} new",
                links.url(sheet_key, hashlib.sha256(sheet).hexdigest()[:12]),
                f"{len(manifest)} keyframes, {len(rendered_entries)} new (amber, NEW); {len(sheet) // 1024} KB",
                links.reason,
            ),
            "keyframe_table": table(
                rows,
                {
                    "code": "string",
                    "version": "string",
                    "status": "string",
                    "seed": "int",
                    "prompt": "string",
                    "render_key": "string",
                },
            ),
            # per-shot lineage in the event log itself, so the API answers from the instance alone
            "shot_lineage": MetadataValue.json(
                {code: _lineage(entry, source_lines.get(code)) for code, entry in manifest.items()}
            ),
        },
    )
    yield keyframes_sized_and_not_blank(shots, manifest, media_store)


MEASUREMENTS = ("cost", "render_seconds")


def content_of(manifest: dict) -> dict:
    """The manifest without how long things took: a shot made again the same way (a lost clip
    encoded again into its version) keeps the data version, so nothing downstream turns stale."""
    return {code: {k: v for k, v in entry.items() if k not in MEASUREMENTS} for code, entry in manifest.items()}


LINEAGE_FIELDS = (
    "prompt",
    "negative_prompt",
    "seed",
    "renderer",
    "renderer_version",
    "model",
    "revision",
    "weights_sha256",
    "scheduler",
    "steps",
    "guidance",
    "device",
    "dtype",
)


def _lineage(entry: dict, source_line: int | None) -> dict:
    """What made one shot's keyframe: the script line, prompt, seed, renderer and model."""
    return {
        "render_key": entry["render_key"],
        "version": entry["version"],
        "script_line": source_line,
        "image_key": entry["key"],
        **{name: entry[name] for name in LINEAGE_FIELDS if name in entry},
    }


class ShotClipsConfig(Config):
    parallel_encodes: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Shots encoded at once. Each ffmpeg already uses every core, but a shot's start "
        "and end leave cores idle: two at a time measured ~20% faster on 2 cores.",
    )


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version="2",
    op_tags=op_tags("shot_clips"),
    **labels("shot_clips"),
    pool=pool("shot_clips"),
    check_specs=[CLIP_LENGTHS],
    description="The takes: each shot in motion at the project's fps, encoded as its own H.264 segment: a camera move "
    "(push-in, pull-out, pan) over its keyframe, or an image-to-video model when configured. "
    "A shot's key covers its keyframe, move, length, video settings and the dialogue audio it "
    "covers; unchanged shots reuse their newest version.",
)
def shot_clips(
    context: AssetExecutionContext,
    config: ShotClipsConfig,
    shot_list: pd.DataFrame,
    keyframes: dict,
    dialogue_track: dict,
    media_store: MediaStore,
    animator: Animator,
):
    project = project_of(context)
    shots = shots_from_frame(shot_list)
    versions, forced = ShotVersions(media_store, project, context.run.run_id), forced_shots(context)

    def settings_of(shot) -> VideoSettings:
        return VideoSettings(shot.width, shot.height, shot.fps)

    shot_keys = {
        shot.code: animator.shot_key(
            shot,
            keyframes[shot.code],
            settings_of(shot),
            [dialogue_track[str(line.line)]["sha256"] for line in shot.dialogue],
        )
        for shot in shots
    }
    reused = {
        shot.code: record
        for shot in shots
        if (record := versions.find(shot.code, "clip", shot_keys[shot.code], made_in_this_run=shot.code in forced))
    }
    to_encode = [shot for shot in shots if shot.code not in reused]
    if reused:
        context.log.info(f"shot_clips: {len(reused)} of {len(shots)} shots unchanged; encoding {len(to_encode)}")
    progress = _Progress(context, "shot_clips", len(to_encode))

    def encode(shot) -> dict:
        keyframe_entry = keyframes[shot.code]
        target, key = versions.clip_target(versions.record(shot.code, keyframe_entry["version"]), shot_keys[shot.code])
        with media_store.reading(keyframe_entry["key"]) as keyframe, media_store.writing(key) as output:
            began = time.perf_counter()  # the encode alone: moving media in and out is not the take's cost
            lineage = animator.animate(keyframe, keyframe_entry, shot, output, settings_of(shot), project)
            cost = animator.cost(time.perf_counter() - began, lineage)
        entry = {
            "key": key,
            "frames": shot.duration_frames,
            "keyframe_render_key": keyframe_entry["render_key"],
            "keyframe_version": keyframe_entry["version"],
            "shot_key": shot_keys[shot.code],
            "dialogue_lines": [line.line for line in shot.dialogue],
            **lineage,
            "cost": cost,
        }
        record = versions.complete_clip(target, entry, versions.reason(shot.code, shot.code in forced))
        return record["clip"]

    started = time.perf_counter()
    encoded = {}
    workers = min(config.parallel_encodes, animator.max_parallel)
    with ThreadPoolExecutor(max_workers=workers) as pool:  # threads wait on ffmpeg (or one model)
        futures = {pool.submit(encode, shot): shot.code for shot in to_encode}
        for done, future in enumerate(as_completed(futures), start=1):
            encoded[futures[future]] = future.result()
            progress(done, futures[future])
    manifest = {shot.code: encoded.get(shot.code) or reused[shot.code]["clip"] for shot in shots}  # film order
    total_frames = sum(entry["frames"] for entry in manifest.values())
    encoded_frames = sum(entry["frames"] for entry in encoded.values())
    seconds = time.perf_counter() - started
    yield Output(
        manifest,
        data_version=value_version(content_of(manifest)),
        metadata={
            "shots": len(manifest),
            "shots_rendered": len(encoded),
            "shots_reused": len(reused),
            "rendered": ", ".join(f"{code} {entry['version']}" for code, entry in encoded.items()) or "none",
            "frames": total_frames,
            "fps": shots[0].fps if shots else 0,
            "parallel_encodes": workers,
            "animator": f"{animator.name} v{animator.version}",
            "encode_seconds": round(seconds, 3),
            "encode_fps": round(encoded_frames / seconds, 1) if seconds else 0,
            "camera_moves": MetadataValue.json(
                {
                    move: sum(1 for s in shots if s.camera_move == move)
                    for move in sorted({s.camera_move for s in shots})
                }
            ),
        },
    )
    yield clips_as_long_as_their_shots(shots, manifest, media_store)
