"""The sound: every dialogue line spoken, a score per scene, and the loudness-normalised mix."""

import hashlib
import json
import time
from dataclasses import asdict

import pandas as pd
from dagster import AssetCheckResult, AssetExecutionContext, Failure, MetadataValue, Output, asset

from film_assets.assets.catalog import project_of, table, value_version
from film_assets.assets.kept_results import KeptResult
from film_assets.assets.labels import labels
from film_assets.assets.placement import op_tags, pool
from film_assets.assets.qc_checks import LINES_IN_THE_MIX, lines_audible_and_unclipped, lines_in_the_mix
from film_assets.bindings.allocator import keep_freed_memory
from film_assets.bindings.ffmpeg import AacEncoding
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.domain.screenplay.dialogue import dialogue_lines
from film_assets.domain.screenplay.fountain import Screenplay
from film_assets.domain.shots.breakdown import shot_seed
from film_assets.domain.shots.table import shots_from_frame
from film_assets.domain.sound.audio import SAMPLE_RATE, fit_length, read_wav, wav_bytes
from film_assets.domain.sound.cues import SceneCue
from film_assets.domain.sound.mix import PlacedLine, mix_tracks, pans_for, place_dialogue
from film_assets.domain.video.encoding import AAC_ARGS
from film_assets.domain.video.frame_rate import frame_rate
from film_assets.partitions import projects
from film_assets.storage.dialogue_lines import dialogue_line_key, dialogue_line_keys, stored_dialogue_line
from film_assets.storage_keys import media_key
from resources.composer import Composer
from resources.media_store import MediaStore
from resources.versioned import content_key
from resources.voice import Voice

GROUP = "sound"
SCRIPT_GROUP = "script"
AAC_HEADROOM_DB = 1.0  # AAC encoding overshoots peaks (measured ~0.5 dB): limit below the ceiling


@asset(
    partitions_def=projects,
    # in the script's group: the shot list is timed by it, so a "sound" group here would draw
    # script -> sound -> script, a loop, in the UI's group view (its owner is still team:sound)
    group_name=SCRIPT_GROUP,
    code_version="2",
    op_tags=op_tags("dialogue_track"),
    **labels("dialogue_track"),
    pool=pool("dialogue_track"),
    description="The voice recording: one spoken clip per dialogue line in its character's voice, with "
    "its measured length, which times the shot list. Clips are stored by content (engine, voice, "
    "words), so an unchanged line is never spoken again.",
)
def dialogue_track(context: AssetExecutionContext, scenes: dict, media_store: MediaStore, voice: Voice) -> Output[dict]:
    project = project_of(context)
    screenplay = Screenplay.from_dict(scenes["screenplay"])
    settings = ProjectSettings.from_dict(scenes["settings"])
    lines = dialogue_lines(screenplay)
    characters = list(dict.fromkeys(line.character for line in lines))
    try:
        casting = voice.cast(characters, settings.voices)
    except ValueError as error:
        raise Failure(description=f"voice casting: {error}") from error
    started, manifest, spoken_now = time.perf_counter(), {}, 0
    for done, line in enumerate(lines, start=1):
        entry = _stored_line(media_store, project, voice, line, casting[line.character])
        if entry is None:
            entry = _speak_line(media_store, project, voice, line, casting[line.character])
            spoken_now += 1
        manifest[str(line.line)] = entry
        if done == len(lines) or done % 10 == 0:
            context.log.info(f"dialogue_track: {done}/{len(lines)} lines")
    rows = [
        {
            "character": name or "(lyrics)",
            "voice": voice_id,
            "lines": sum(1 for line in lines if line.character == name),
        }
        for name, voice_id in casting.items()
    ]
    return Output(
        manifest,
        data_version=value_version(manifest),
        metadata={
            "lines": len(manifest),
            "lines_spoken": spoken_now,
            "lines_reused": len(manifest) - spoken_now,
            "speech_s": round(sum(entry["duration_s"] for entry in manifest.values()), 2),
            "engine": f"{voice.name} v{voice.version}",
            "synthesis_seconds": round(time.perf_counter() - started, 3),
            "casting": table(rows, {"character": "string", "voice": "string", "lines": "int"}),
        },
    )


def _stored_line(store: MediaStore, project: str, voice: Voice, line, voice_id: str) -> dict | None:
    record = stored_dialogue_line(store, project, voice, line, voice_id)
    return None if record is None else {**record, "text": line.text, "character": line.character}


def _speak_line(store: MediaStore, project: str, voice: Voice, line, voice_id: str) -> dict:
    spoken = voice.speak(line, voice_id)
    data = wav_bytes(spoken.samples)
    wav_key, record_key = dialogue_line_keys(project, dialogue_line_key(voice, line, voice_id))
    entry = {
        "key": store.put_bytes(wav_key, data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "duration_s": round(spoken.duration_s, 4),
        "voice_id": voice_id,
        "parameters": spoken.parameters,
    }
    store.put_bytes(record_key, json.dumps(entry, sort_keys=True).encode())  # after its audio
    return {**entry, "text": line.text, "character": line.character}


def _scene_cues(project: str, screenplay: Screenplay, shots) -> list[SceneCue]:
    cues = []
    for scene in screenplay.scenes:
        scene_shots = [shot for shot in shots if shot.scene_index == scene.index]
        if not scene_shots:
            continue
        cues.append(
            SceneCue(
                scene_index=scene.index,
                heading=scene.heading,
                int_ext=scene.int_ext,
                location=scene.location,
                time_of_day=scene_shots[0].time_of_day,  # continuity-resolved, as the pictures use it
                action_text=" ".join(e.text for e in scene.elements if e.kind == "action"),
                start_s=scene_shots[0].start_s,
                duration_s=sum(shot.duration_s for shot in scene_shots),
                seed=shot_seed(project, f"SQ{scene_shots[0].sequence:03d}"),
            )
        )
    return cues


MUSIC_CODE_VERSION = "2"  # also part of the kept score's key


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version=MUSIC_CODE_VERSION,
    op_tags=op_tags("music_track"),
    **labels("music_track"),
    pool=pool("music_track"),
    description="The score: music per scene whose mood follows the scene (time of day, INT/EXT, action words).",
)
def music_track(
    context: AssetExecutionContext, scenes: dict, shot_list: pd.DataFrame, media_store: MediaStore, composer: Composer
) -> Output[dict]:
    project = project_of(context)
    shots = shots_from_frame(shot_list)
    started = time.perf_counter()
    cues = _scene_cues(project, Screenplay.from_dict(scenes["screenplay"]), shots)
    inputs_key = content_key(
        MUSIC_CODE_VERSION, composer.name, composer.version, composer.output_settings(), [asdict(cue) for cue in cues]
    )
    keys = {name: media_key(project, "music_track", name) for name in ("score.wav", "score.json")}
    kept = KeptResult(media_store, keys["score.json"], [keys["score.wav"]])
    value = kept.find(inputs_key)
    reused = value is not None
    if value is None:
        kept.forget()
        keep_freed_memory()  # film-length buffers: see film_assets/bindings/allocator.py
        samples, per_scene = composer.compose(cues)
        data = wav_bytes(samples)
        value = kept.remember(
            inputs_key,
            {
                "key": media_store.put_bytes(keys["score.wav"], data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "duration_s": round(len(samples) / SAMPLE_RATE, 4),
                "scenes": per_scene,
            },
        )
    else:
        context.log.info("music_track: no scene's cue changed; reusing the stored score")
    return Output(
        value,
        data_version=value_version(value),
        metadata={
            "reused": reused,
            "duration_s": round(value["duration_s"], 3),
            "composer": f"{composer.name} v{composer.version}",
            "compose_seconds": round(time.perf_counter() - started, 3),
            "scenes": MetadataValue.json(value["scenes"]),
        },
    )


MIX_CODE_VERSION = "3"  # also part of the stored mix's key: bump when the mix changes


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version=MIX_CODE_VERSION,
    op_tags=op_tags("audio_mix"),
    **labels("audio_mix"),
    pool=pool("audio_mix"),
    check_specs=[LINES_IN_THE_MIX],
    description="The final mix: dialogue over music ducked under speech, normalised to the project's loudness target "
    "(-14 LUFS web default) with true peak under the ceiling; 48 kHz stereo WAV and its AAC "
    "encode for delivery. Reused as it is while no line, placement, score or setting changed.",
)
def audio_mix(
    context: AssetExecutionContext,
    scenes: dict,
    shot_list: pd.DataFrame,
    dialogue_track: dict,
    music_track: dict,
    media_store: MediaStore,
):
    project = project_of(context)
    settings = ProjectSettings.from_dict(scenes["settings"])
    shots = shots_from_frame(shot_list)
    fps = frame_rate(shots[0].fps)
    total = round(float(sum(shot.duration_frames for shot in shots) / fps) * SAMPLE_RATE)
    started = time.perf_counter()
    placements = [
        (line.line, shot.start_s + line.offset_s, pan)
        for shot in shots
        for line, pan in zip(shot.dialogue, pans_for(len(shot.dialogue)))
    ]
    inputs_key = content_key(
        MIX_CODE_VERSION,
        total,
        SAMPLE_RATE,
        AAC_ARGS,
        AAC_HEADROOM_DB,
        settings.loudness_lufs,
        settings.true_peak_dbtp,
        music_track["sha256"],
        [
            (line, round(start, 6), round(float(pan), 6), dialogue_track[str(line)]["sha256"])
            for line, start, pan in placements
        ],
    )
    keys = {name: media_key(project, "audio_mix", name) for name in ("mix.wav", "mix.m4a", "mix.json")}
    kept = KeptResult(media_store, keys["mix.json"], [keys["mix.wav"], keys["mix.m4a"]])
    value = kept.find(inputs_key)
    reused = value is not None
    lines_check = None
    if value is None:
        context.log.info("audio_mix: mixing the film (a line, the score or a setting changed)")
        kept.forget()
        mixed, lines_check = _mix(keys, placements, total, dialogue_track, music_track, settings, media_store)
        value = kept.remember(inputs_key, mixed)
    else:
        context.log.info("audio_mix: no line, placement, score or setting changed; reusing the stored mix")
    yield Output(
        value,
        data_version=value_version(value),
        metadata={
            "reused": reused,
            "integrated_lufs": value["integrated_lufs"],
            "true_peak_dbtp": value["true_peak_dbtp"],
            "target_lufs": settings.loudness_lufs,
            "ceiling_dbtp": settings.true_peak_dbtp,
            "gain_db": value["gain_db"],
            "limiter_max_reduction_db": value["limiter_max_reduction_db"],
            "lines_placed": len(placements),
            "mix_seconds": round(time.perf_counter() - started, 3),
            "duration_s": round(total / SAMPLE_RATE, 3),
        },
    )
    yield lines_check or lines_audible_and_unclipped(value, dialogue_track, media_store)


def _mix(
    keys: dict,
    placements,
    total: int,
    dialogue_track: dict,
    music_track: dict,
    settings: ProjectSettings,
    media_store: MediaStore,
) -> tuple[dict, AssetCheckResult]:
    """Mix, store the WAV, encode it as the delivery AAC; the mix's value, and its lines' check."""
    keep_freed_memory()  # film-length buffers: see film_assets/bindings/allocator.py
    placed = [
        PlacedLine(line, start, read_wav(media_store.get_bytes(dialogue_track[str(line)]["key"])), pan)
        for line, start, pan in placements
    ]
    dialogue = place_dialogue(placed, total, SAMPLE_RATE)
    music = fit_length(read_wav(media_store.get_bytes(music_track["key"])), total)
    mixed, report = mix_tracks(
        dialogue, music, SAMPLE_RATE, settings.loudness_lufs, settings.true_peak_dbtp - AAC_HEADROOM_DB
    )
    with media_store.writing(keys["mix.m4a"]) as output:
        # the AAC encodes on the other core while the WAV is stored and its lines are checked: the
        # check reads the WAV's very bytes back, as it would from the store
        encoding = AacEncoding(mixed, SAMPLE_RATE, output)
        try:
            data = wav_bytes(mixed)
            media_store.put_bytes(keys["mix.wav"], data)
            lines_check = lines_in_the_mix(read_wav(data), [(p.line, round(p.start_s, 4), p.samples) for p in placed])
        finally:
            encoding.wait()
        aac_sha256 = hashlib.sha256(output.read_bytes()).hexdigest()
    lines = [
        {
            "line": p.line,
            "start_s": round(p.start_s, 4),
            "duration_s": round(len(p.samples) / SAMPLE_RATE, 4),
            "pan": round(float(p.pan), 3),
        }
        for p in placed
    ]
    value = {
        "key": keys["mix.wav"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "aac": keys["mix.m4a"],
        "aac_sha256": aac_sha256,
        "duration_s": round(total / SAMPLE_RATE, 6),
        "lines": lines,
        "integrated_lufs": round(report.integrated_lufs, 2),
        "true_peak_dbtp": round(report.true_peak_dbtp, 2),
        "target_lufs": settings.loudness_lufs,
        "ceiling_dbtp": settings.true_peak_dbtp,
        "gain_db": report.gain_db,
        "limiter_max_reduction_db": report.limited_db,
    }
    return value, lines_check
