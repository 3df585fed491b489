"""`filmstudio watch`: render a screenplay again on every save, in one process that stays warm.

The code location, the Dagster instance and the media makers load once; a save then costs only
the run: its plan (what will be rendered and why), the shots whose inputs changed, the sound and
the cut. Each render is a normal run of render_film, shown in the UI like any other.

The file is polled (its size, mtime and inode, every quarter second) rather than watched through
inotify or a library: one file, on any filesystem an editor saves to (editors that save by
renaming a new file into place included), and no native dependency for a check this small.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterEventType

from film_assets.domain.screenplay.fountain import FountainError
from film_assets.runs.local_render import LocalStudio, RenderFailed, RenderResult, project_for, read_script

POLL_S = 0.25
SETTLE_S = 0.2  # an editor may write a file in several steps: wait until it holds still

# the run's steps by what a writer waits for
PARTS = {
    "screenplay": "script",
    "scenes": "script",
    "shot_list": "script",
    "dialogue_track": "dialogue",
    "keyframes": "picture",
    "shot_clips": "picture",
    "music_track": "sound",
    "audio_mix": "sound",
    "final_cut": "cut and QC",
}


@dataclass
class WatchReport:
    """What the loop tells whoever watches it (the CLI prints; the benchmark measures)."""

    plan: Callable[[object], None] = lambda plan: None
    rendered: Callable[[RenderResult, dict], None] = lambda result, seconds: None
    error: Callable[[str], None] = lambda message: None
    progress: Callable[[str], None] = lambda message: None


@dataclass
class Watcher:
    script: Path
    project: str | None = None
    out: Path | None = None
    settings_given: dict = field(default_factory=dict)
    studio: LocalStudio = field(default_factory=LocalStudio)
    report: WatchReport = field(default_factory=WatchReport)

    def run(self, stop: threading.Event | None = None, poll_s: float = POLL_S) -> None:
        """Render now, then on every save until `stop` is set (or Ctrl-C)."""
        stop = stop or threading.Event()
        last = None
        while not stop.is_set():
            seen = _fingerprint(self.script)
            if seen != last:
                seen = _settled(self.script, seen)
                last = seen
                if seen is not None:
                    self.render_once()
                else:
                    self.report.error(f"{self.script}: no such file (waiting for it to be saved)")
            stop.wait(poll_s)

    def render_once(self) -> RenderResult | None:
        """Plan and render the script as it is on disk now; errors are reported, not raised."""
        try:
            _, screenplay = read_script(self.script)  # a save that does not parse names its line
            project = project_for(screenplay, self.script, self.project)
            started = time.perf_counter()
            plan = self._plan(project)
            planned = time.perf_counter()
            self.report.plan(plan)
            result = self.studio.render(
                self.script, project, self.out, progress=self.report.progress, settings_given=self.settings_given
            )
        except (FountainError, ValueError, FileNotFoundError) as error:
            self.report.error(str(error))
            return None
        except RenderFailed as error:
            self.report.error(f"render failed: {error}")
            return None
        seconds = {"plan": round(planned - started, 3), **run_seconds(self.studio.instance, result.run_id)}
        seconds["total"] = round(time.perf_counter() - started, 3)
        self.report.rendered(result, seconds)
        return result

    def _plan(self, project: str):
        """The plan of the script against what is stored (None before the project's first render)."""
        from film_assets.review.planning import NothingToPlanAgainst, media_makers, plan_revision

        text = self.script.read_bytes()
        try:
            return plan_revision(
                self.studio.store, project, text, self.script.name, media_makers(self.studio.environment)
            )
        except NothingToPlanAgainst:
            return None


def run_seconds(instance, run_id: str) -> dict[str, float]:
    """Where a run's time went: each part's steps (PARTS), and Dagster's own time (the run's wall
    time outside any step: launching, bookkeeping, loading inputs between steps)."""
    starts, parts = {}, {}
    records = instance.get_records_for_run(run_id).records
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            starts[event.step_key] = record.event_log_entry.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            part = PARTS.get(event.step_key, event.step_key)
            spent = record.event_log_entry.timestamp - starts.get(event.step_key, record.event_log_entry.timestamp)
            parts[part] = parts.get(part, 0.0) + spent
    stamps = [record.event_log_entry.timestamp for record in records]
    wall = max(stamps) - min(stamps) if stamps else 0.0
    parts["dagster"] = max(0.0, wall - sum(parts.values()))
    return {name: round(value, 3) for name, value in parts.items()}


def _fingerprint(path: Path):
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def _settled(path: Path, seen):
    """The file's fingerprint once it has held still for SETTLE_S."""
    while True:
        time.sleep(SETTLE_S)
        now = _fingerprint(path)
        if now == seen:
            return now
        seen = now
