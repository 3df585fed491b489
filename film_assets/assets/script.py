"""From the submitted text to the shot list: screenplay, scenes, shot_list."""

import hashlib
from dataclasses import replace

from dagster import AssetExecutionContext, Failure, Output, asset

from film_assets.assets.catalog import project_of, shortened, table, value_version
from film_assets.assets.labels import labels
from film_assets.assets.placement import op_tags, pool
from film_assets.assets.qc_checks import LINE_COVERAGE, every_line_in_one_shot
from film_assets.assets.run_request import forced_shots, new_seed_requested
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.domain.screenplay.fountain import FountainError, Screenplay, parse_fountain
from film_assets.domain.shots.breakdown import break_down_shots, dialogue_line_count, shot_seed
from film_assets.domain.shots.table import shots_to_frame
from film_assets.partitions import projects
from film_assets.storage.submission import load_seed_overrides, load_submission, save_seed_overrides
from resources.media_store import MediaStore

GROUP = "script"


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version="1",
    op_tags=op_tags("screenplay"),
    **labels("screenplay"),
    pool=pool("screenplay"),
    description="The script as the studio submitted it (Fountain), with the project's delivery settings.",
)
def screenplay(context: AssetExecutionContext, media_store: MediaStore) -> Output[dict]:
    project = project_of(context)
    try:
        text, source_name, settings = load_submission(media_store, project)
    except FileNotFoundError as error:
        raise Failure(description=str(error)) from error
    try:
        parsed = parse_fountain(text, source_name)
    except FountainError as error:
        raise Failure(description=f"screenplay rejected: {error}") from error
    digest = hashlib.sha256(text.encode()).hexdigest()
    value = {"source_name": source_name, "text": text, "sha256": digest, "settings": settings.to_dict()}
    # the script and its settings are this asset's data: an edited script marks everything unsynced
    return Output(
        value,
        data_version=value_version(value),
        metadata={
            "title": parsed.title,
            "source_name": source_name,
            "lines": text.count("\n") + 1,
            "bytes": len(text.encode()),
            "sha256": digest,
            "frame_size": f"{settings.width}x{settings.height}",
            "fps": settings.fps,
        },
    )


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version="1",
    op_tags=op_tags("scenes"),
    **labels("scenes"),
    pool=pool("scenes"),
    description="The script broken down: title page, scenes with their action and dialogue, the cast of "
    "characters and the writers' notes.",
)
def scenes(context: AssetExecutionContext, screenplay: dict) -> Output[dict]:
    project_of(context)
    parsed = parse_fountain(screenplay["text"], screenplay["source_name"])
    document = {"screenplay": parsed.to_dict(), "settings": screenplay["settings"]}
    rows = [
        {
            "scene": s.index + 1,
            "number": s.number or "",
            "heading": s.heading,
            "line": s.line,
            "elements": len(s.elements),
        }
        for s in parsed.scenes
    ]
    return Output(
        document,
        data_version=value_version(document),
        metadata={
            "title": parsed.title,
            "scene_count": len(parsed.scenes),
            "characters": ", ".join(parsed.characters),
            "dialogue_lines": parsed.dialogue_count,
            "notes": len(parsed.notes),
            "scenes": table(
                rows, {"scene": "int", "number": "string", "heading": "string", "line": "int", "elements": "int"}
            ),
        },
    )


@asset(
    partitions_def=projects,
    group_name=GROUP,
    code_version="2",
    op_tags=op_tags("shot_list"),
    **labels("shot_list"),
    pool=pool("shot_list"),
    check_specs=[LINE_COVERAGE],
    description="The shot list: one row per shot with its stable code (SQ010_SH020), timing from the measured speech, prompt, seed, "
    "camera move, the dialogue it covers and the script line it comes from. Shots re-rendered "
    "with a new seed keep it.",
)
def shot_list(context: AssetExecutionContext, scenes: dict, dialogue_track: dict, media_store: MediaStore):
    project = project_of(context)
    settings = ProjectSettings.from_dict(scenes["settings"])
    spoken = {int(line): entry["duration_s"] for line, entry in dialogue_track.items()}  # measured speech
    screenplay = Screenplay.from_dict(scenes["screenplay"])
    shots = break_down_shots(
        screenplay,
        project,
        settings.fps,
        settings.width,
        settings.height,
        line_durations=spoken,
    )
    shots = _with_seed_overrides(context, media_store, project, shots)
    frame = shots_to_frame(shots)
    spoken_by_shot = {
        shot.code: " / ".join(f"{line.character}: {line.text}" for line in shot.dialogue) for shot in shots
    }
    rows = [
        {**row, "dialogue": shortened(spoken_by_shot[row["code"]]), "prompt": shortened(row["prompt"])}
        for row in frame.to_dict(orient="records")
    ]
    yield Output(
        frame,
        data_version=value_version(frame),
        metadata={
            "dagster/row_count": len(frame),
            "shots": len(frame),
            "duration_s": round(sum(s.duration_s for s in shots), 3),
            "dialogue_lines": dialogue_line_count(shots),
            "shot_table": table(
                rows,
                {
                    "code": "string",
                    "duration_s": "float",
                    "shot_type": "string",
                    "dialogue": "string",
                    "characters": "string",
                    "camera_move": "string",
                    "scene_heading": "string",
                    "source_line": "int",
                    "seed": "int",
                    "prompt": "string",
                },
            ),
        },
    )
    yield every_line_in_one_shot(screenplay, shots)


def _with_seed_overrides(context, store: MediaStore, project: str, shots: list) -> list:
    """The shots with their stored seed overrides; a run asking for new seeds (filmstudio/new_seed)
    first draws them for its listed shots. A drawn seed derives from the run id, so a retried step
    draws the same one."""
    forced = forced_shots(context)
    unknown = sorted(forced - {shot.code for shot in shots})
    if unknown:
        raise Failure(
            description=f"this run re-renders shots the shot list does not have: {', '.join(unknown)} "
            f"(its shots run {shots[0].code} .. {shots[-1].code})"
            if shots
            else f"this run re-renders shots {', '.join(unknown)}, but the script has no shots"
        )
    seeds = load_seed_overrides(store, project)
    if forced and new_seed_requested(context):
        seeds.update({code: shot_seed(project, f"{code}@{context.run.run_id}") for code in sorted(forced)})
        save_seed_overrides(store, project, seeds)
        context.log.info(f"shot_list: new seeds for {', '.join(sorted(forced))}")
    return [replace(shot, seed=seeds[shot.code]) if shot.code in seeds else shot for shot in shots]
