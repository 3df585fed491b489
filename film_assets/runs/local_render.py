"""Render a project end to end on this machine: the work behind `filmstudio render`.

Validate first (so bad input never becomes a run or leaves files), register the project's
partition, store the submission, materialize every asset through Dagster's persistent instance
(so `dagster dev` shows the same runs and lineage), then deliver the files.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

from film_assets.contract import ACTION_TAG, NEW_SEED_TAG, SHOTS_TAG
from film_assets.dagster_internals import private
from film_assets.domain.projects.ids import slugify, validate_project_id
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.domain.screenplay.dialogue import dialogue_lines
from film_assets.domain.screenplay.fountain import Screenplay, parse_fountain
from film_assets.jobs import RENDER_FILM
from film_assets.partitions import projects
from film_assets.runs.project_lock import project_lock
from film_assets.runs.run_origin import job_origin
from film_assets.storage.shot_history import stored_shot_codes
from film_assets.storage.submission import load_submission, submit_screenplay
from film_assets.storage_keys import final_cut_manifest_key
from resources.profiles import Environment, current_environment


class RenderFailed(RuntimeError):
    """The run failed; the message says which step and why, `run_id` which run (its check
    evaluations tell whether a blocking QC check stopped it)."""

    def __init__(self, message: str, project: str, run_id: str):
        super().__init__(message)
        self.project = project
        self.run_id = run_id


@dataclass(frozen=True)
class RenderResult:
    project: str
    run_id: str
    scenes: int
    shots: int
    dialogue_lines: int
    duration_s: float
    final_cut: Path
    subtitles: Path
    timeline: Path
    shots_rendered: int  # shots whose clip was made in this run
    shots_reused: int  # shots whose stored version was used as it was

    def to_json(self) -> dict:
        return {key: (str(value) if isinstance(value, Path) else value) for key, value in self.__dict__.items()}


def read_script(path: Path) -> tuple[str, Screenplay]:
    """The script's text and its parse, refused clearly if it cannot be read as a screenplay."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such screenplay file")
    data = path.read_bytes()
    screenplay = parse_fountain(data, path.name)  # raises FountainError naming the line
    return data.decode("utf-8-sig"), screenplay


LOCAL_INSTANCE_YAML = """\
# Written by filmstudio: the embedded local instance. Runs, event log (lineage) and schedules live
# in SQLite files beside this one. Telemetry is off because a laptop render should make no network
# calls; delete these lines to turn it back on.
telemetry:
  enabled: false
"""


def instance_for(environment: Environment) -> DagsterInstance:
    """The persistent local instance; `filmstudio ui` (dagster dev) opens the same one."""
    home = environment.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(home)  # DagsterInstance.get() and any child process agree
    return DagsterInstance.get()


class LocalStudio:
    """What every local render needs, loaded once: the environment, the Definitions and the
    persistent Dagster instance. `filmstudio render` opens one per command; `filmstudio watch`
    keeps one warm across every save of the script."""

    def __init__(self, environment_overrides: dict | None = None):
        environment = current_environment()
        if environment_overrides:  # the CLI's model flags win over the environment's settings
            environment = replace(environment, **environment_overrides)
        self.environment = environment

    # loaded on first use, so bad input is refused before the code location loads or the
    # instance's folder is made
    @cached_property
    def defs(self):
        from film_assets.definitions import build_definitions

        return build_definitions(self.environment)

    @cached_property
    def instance(self) -> DagsterInstance:
        return instance_for(self.environment)

    @property
    def store(self):
        return self.defs.resources["media_store"]

    def render(
        self,
        script: Path,
        project: str | None = None,
        out: Path | None = None,
        settings: ProjectSettings | None = None,
        progress: Callable[[str], None] = lambda message: None,
        settings_given: dict | None = None,
    ) -> RenderResult:
        """Render a screenplay as a project (a new one, or the next revision of an existing one).
        Without `settings`, a project rendered before keeps its own delivery settings except those
        in `settings_given`; a new project takes the defaults and `settings_given`."""
        script = Path(script)
        text, screenplay = read_script(script)
        source_name = script.name
        project = project_for(screenplay, script, project)
        out = (Path(out) if out else Path.cwd() / "renders" / project).resolve()
        if settings is None:
            settings = replace(stored_settings(self.store, project), **(settings_given or {}))
        check_voices(screenplay, settings, self.defs.resources["voice"])  # before anything is written
        for name in ("renderer", "animator", "composer"):
            self.defs.resources[name].preflight(settings.width, settings.height)
        self.instance.add_dynamic_partitions(projects.name, [project])
        with project_lock(locks_folder(self.environment), project, progress):
            submit_screenplay(self.store, project, text, source_name, settings)
            revision = keep_revision(self.environment, project, text, source_name)
            progress(
                f"project {project} {revision}: {len(screenplay.scenes)} scenes, "
                f"rendering in {self.environment.dagster_home}"
            )
            return run_render(
                self.defs,
                self.instance,
                project,
                out,
                progress,
                len(screenplay.scenes),
                tags={"filmstudio/source": source_name},
            )


def project_for(screenplay: Screenplay, script: Path, project: str | None) -> str:
    """The project id given, else the slug of the title page's title (else of the file's name)."""
    return validate_project_id(
        project if project is not None else slugify(screenplay.title_page.get("title") or Path(script).stem)
    )


def render_project(
    script: Path,
    project: str | None = None,
    out: Path | None = None,
    settings: ProjectSettings | None = None,
    progress: Callable[[str], None] = lambda message: None,
    environment_overrides: dict | None = None,
    settings_given: dict | None = None,
) -> RenderResult:
    """One render in a session of its own (see LocalStudio.render)."""
    return LocalStudio(environment_overrides).render(script, project, out, settings, progress, settings_given)


def rerender_project(
    project: str,
    shots: list[str] | None = None,
    new_seed: bool = False,
    out: Path | None = None,
    progress: Callable[[str], None] = lambda message: None,
    environment_overrides: dict | None = None,
) -> RenderResult:
    """Render a project again from its stored script: shots whose inputs changed are rendered, the
    listed `shots` are rendered again as new versions (with new seeds if asked), the rest reused,
    and the final cut is rebuilt. Refused before anything runs if the project or a shot is unknown."""
    project = validate_project_id(project)
    if new_seed and not shots:
        raise ValueError("--new-seed needs --shots: say which shots get new seeds")
    environment = current_environment()
    if environment_overrides:
        environment = replace(environment, **environment_overrides)
    out = (Path(out) if out else Path.cwd() / "renders" / project).resolve()

    from film_assets.definitions import build_definitions

    defs = build_definitions(environment)
    instance = instance_for(environment)
    store = defs.resources["media_store"]
    if not instance.has_dynamic_partition(projects.name, project):
        known = sorted(instance.get_dynamic_partitions(projects.name))
        raise ValueError(
            f"no project {project!r} in {environment.dagster_home} (projects: "
            f"{', '.join(known[:10]) or 'none yet'}{' ...' if len(known) > 10 else ''})"
        )
    text, source_name, settings = load_submission(store, project)
    screenplay = parse_fountain(text, source_name)
    tags = {"filmstudio/source": source_name, ACTION_TAG: "rerender"}
    if shots:
        shots = list(dict.fromkeys(shots))
        check_shot_codes(store, project, shots)
        tags[SHOTS_TAG] = ",".join(shots)
        if new_seed:
            tags[NEW_SEED_TAG] = "true"
    for name in ("renderer", "animator", "composer"):
        defs.resources[name].preflight(settings.width, settings.height)
    what = f"shots {', '.join(shots)}{' with new seeds' if new_seed else ''}" if shots else "changed shots"
    with project_lock(locks_folder(environment), project, progress):
        progress(f"project {project}: re-rendering {what}")
        return run_render(defs, instance, project, out, progress, len(screenplay.scenes), tags)


def stored_settings(store, project: str) -> ProjectSettings:
    """The project's delivery settings as last rendered, or the defaults for a new project."""
    try:
        return load_submission(store, project)[2]
    except FileNotFoundError:
        return ProjectSettings()


def keep_revision(environment: Environment, project: str, text: str, source_name: str) -> str:
    """Keep the script as the project's next revision (the same text again is not a new one)."""
    from film_assets.review.database import LOCAL_TENANT, review_database_url, review_engine
    from film_assets.review.revisions import record_revision

    with review_engine(review_database_url(environment)).begin() as connection:
        return record_revision(connection, LOCAL_TENANT, project, text, source_name).name


def locks_folder(environment: Environment) -> Path:
    return environment.home / "locks"  # FILMSTUDIO_HOME, beside the instance and the media


def check_shot_codes(store, project: str, codes: list[str]) -> None:
    """Refuse shot codes the project's latest shot list does not have, naming them."""
    known = stored_shot_codes(store, project)
    if known is None:
        raise ValueError(f"project {project!r} has no shot list yet: render it whole first")
    unknown = [code for code in codes if code not in set(known)]
    if unknown:
        raise ValueError(
            f"project {project!r} has no shots {', '.join(unknown)} "
            f"(its {len(known)} shots run {known[0]} .. {known[-1]})"
        )


def run_render(
    defs,
    instance: DagsterInstance,
    project: str,
    out: Path,
    progress: Callable[[str], None],
    scene_count: int,
    tags: dict[str, str],
) -> RenderResult:
    """Materialize the project through the persistent instance and deliver its files."""
    store = defs.resources["media_store"]
    run, result = execute_on_location(defs, instance, RENDER_FILM, project, progress, tags)
    if not result.success:
        raise RenderFailed(failure_message(result), project, run.run_id)
    cut = json.loads(store.get_bytes(final_cut_manifest_key(project)))  # the asset's stored value
    [clips] = result.asset_materializations_for_node("shot_clips")

    delivered = {
        name: store.export(cut[name], out / filename)
        for name, filename in (
            ("video", "final_cut.mp4"),
            ("subtitles", "final_cut.srt"),
            ("timeline", "timeline.otio"),
        )
    }
    return RenderResult(
        project=project,
        run_id=run.run_id,
        scenes=scene_count,
        shots=cut["shots"],
        dialogue_lines=cut["dialogue_lines"],
        duration_s=cut["duration_s"],
        final_cut=delivered["video"],
        subtitles=delivered["subtitles"],
        timeline=delivered["timeline"],
        shots_rendered=clips.metadata["shots_rendered"].value,
        shots_reused=clips.metadata["shots_reused"].value,
    )


def execute_on_location(
    defs,
    instance: DagsterInstance,
    job_name: str,
    project: str,
    progress: Callable[[str], None],
    tags: dict[str, str],
    run_config: dict | None = None,
):
    """Run one of our jobs for one project in this process, as a run of the code location: it
    records its job's origin in the location the UI loads, as a run launched from the UI does, so
    it shows under its job (and in the Overview timeline) and "Re-execute" works on it.
    execute_in_process would make a run without one. Returns the run and its result."""
    job = defs.resolve_job_def(job_name)
    run = instance.create_run_for_job(
        job_def=job,
        run_id=str(uuid.uuid4()),
        # Dagster's console logger is silenced; progress comes from the run's own event log, the
        # same events the UI shows.
        run_config={**(run_config or {}), "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        tags={**job.run_tags, **tags, **job.get_tags_for_partition_key(project, selected_asset_keys=None)},
        remote_job_origin=job_origin(job_name),
    )
    listener = _ProgressListener(progress)
    instance.add_event_listener(run.run_id, listener)
    try:
        result = private("execute_run")(private("InMemoryJob")(job), run, instance)
    finally:
        instance.end_watch_event_logs(run.run_id, listener)
    return run, result


def check_voices(screenplay: Screenplay, settings: ProjectSettings, voice) -> None:
    """Refuse voice overrides for characters the script doesn't have, or voices the engine lacks."""
    characters = list(dict.fromkeys(line.character for line in dialogue_lines(screenplay)))
    unknown = sorted(set(settings.voices) - set(characters))
    if unknown:
        speaking = ", ".join(name for name in characters if name) or "none"
        raise ValueError(
            f"--voice for {', '.join(unknown)}: no such speaking character in the script "
            f"(speaking characters: {speaking})"
        )
    voice.cast(characters, settings.voices)  # raises ValueError naming the character and the valid voices


def failure_message(result) -> str:
    """The first failed step and why, in words a user can act on."""
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        if data.user_failure_data is not None and data.user_failure_data.description:
            reason = data.user_failure_data.description  # our own Failure(description=...)
        else:
            error = data.error.cause or data.error  # user code errors arrive wrapped by Dagster
            reason = f"{error.cls_name}: {error.message.strip()}"
        return f"step {event.step_key} failed: {reason}"
    return "the run failed"


class _ProgressListener:
    """Turns the run's step events and our assets' progress logs into one-line updates."""

    def __init__(self, progress: Callable[[str], None]):
        self.progress = progress

    def __call__(self, entry, *_cursor) -> None:
        event = entry.dagster_event
        if event is not None and event.event_type == DagsterEventType.STEP_START:
            self.progress(f"{event.step_key}: started")
        elif event is not None and event.event_type == DagsterEventType.STEP_SUCCESS:
            self.progress(f"{event.step_key}: done")
        elif event is None and entry.step_key and entry.level >= logging.INFO:
            self.progress(entry.user_message)
