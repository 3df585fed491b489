"""`filmstudio render`: render a screenplay into a film on this machine.

filmstudio render SCRIPT [--project ID] [--out DIR] [--width W] [--height H] [--fps F]
                         [--loudness web|broadcast|LUFS] [--voice CHARACTER=VOICE ...]
                         [--renderer storyboard|diffusers --model PATH_OR_ID [--steps N] ...] [--json]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from film_assets.cli.reporting import EXIT_FAILED_QC, progress_printer, run_and_report


def _render(args: argparse.Namespace) -> int:
    from film_assets.runs.local_render import render_project

    progress = progress_printer()

    def render():
        # only the settings asked for: a revision of a project keeps the rest of its own
        given = {
            "width": args.width,
            "height": args.height,
            "fps": args.fps,
            "loudness_lufs": _loudness(args.loudness) if args.loudness is not None else None,
            "voices": _voices(args.voice) if args.voice else None,
        }
        return render_project(
            Path(args.script),
            args.project,
            Path(args.out) if args.out else None,
            settings_given={name: value for name, value in given.items() if value is not None},
            progress=progress,
            environment_overrides=_model_overrides(args),
        )

    return report_with_qc(
        render,
        args.json,
        lambda result: (
            f"{result.project}: {result.scenes} scenes, {result.shots} shots, {result.dialogue_lines} dialogue "
            f"lines, {result.duration_s:.2f} s\n  film:      {result.final_cut}\n  subtitles: {result.subtitles}\n"
            f"  timeline:  {result.timeline}\n  shots:     {result.shots_rendered} rendered, {result.shots_reused} "
            f"reused\n  run:       {result.run_id} (see it with `filmstudio ui`)"
        ),
    )


@dataclass(frozen=True)
class Judged:
    """A render and its QC verdict: delivered (`result`), or stopped by a blocking check (None)."""

    project: str
    verdict: object  # film_assets.runs.qc_verdict.QcVerdict, imported where used
    result: object | None  # film_assets.runs.local_render.RenderResult

    def to_json(self) -> dict:
        done = self.result.to_json() if self.result else {"project": self.project, "run_id": self.verdict.run_id}
        return {**done, "delivered": self.result is not None, "qc": self.verdict.to_json()}

    def describe(self, summary: Callable) -> str:
        """The summary of a delivered film with its QC line, or what failed QC and what it measured."""
        verdict = self.verdict
        warnings = "".join(f"\n  warning:   {check.summary()}" for check in verdict.warnings)
        if self.result is not None:
            return f"{summary(self.result)}\n  qc:        passed ({len(verdict.checks)} checks){warnings}"
        failing = "".join(f"\n  failed:    {check.summary()}" for check in verdict.failing)
        return (
            f"{self.project}: failing QC, not delivered: {len(verdict.failing)} blocking "
            f"check{'s' if len(verdict.failing) > 1 else ''} failed{failing}{warnings}\n"
            f"  run:       {verdict.run_id} (see it with `filmstudio ui`)"
        )


def report_with_qc(render: Callable, as_json: bool, summary: Callable) -> int:
    """run_and_report with the run's QC verdict: a run stopped by a blocking check is reported as
    failing QC (naming the checks and their measures) and exits EXIT_FAILED_QC, not as a failed
    render; a delivered film's report and JSON carry its verdict (`qc`), warnings included."""
    from film_assets.runs.local_render import RenderFailed, instance_for
    from film_assets.runs.qc_verdict import qc_verdict
    from resources.profiles import current_environment

    judged: list[Judged] = []

    def render_and_judge() -> Judged:
        try:
            result = render()
        except RenderFailed as failure:
            verdict = qc_verdict(instance_for(current_environment()), failure.run_id)
            if verdict.passed:
                raise  # a step failed for another reason: a failed render, as before
            judged.append(Judged(failure.project, verdict, None))
            return judged[-1]
        judged.append(Judged(result.project, qc_verdict(instance_for(current_environment()), result.run_id), result))
        return judged[-1]

    code = run_and_report(render_and_judge, as_json, lambda outcome: outcome.describe(summary))
    return EXIT_FAILED_QC if code == 0 and judged and not judged[-1].verdict.passed else code


def _model_overrides(args: argparse.Namespace) -> dict:
    """The CLI's model flags, over the environment's settings (FILMSTUDIO_RENDERER, ...)."""
    from resources.profiles import RendererChoice, current_environment

    environment, overrides = current_environment(), {}
    if args.renderer is not None or args.model is not None:
        options = dict(environment.renderer.options)
        for name in ("model", "steps", "guidance", "scheduler", "batch_size"):
            if getattr(args, name) is not None:
                options[name] = getattr(args, name)
        kind = args.renderer or ("diffusers" if args.model else environment.renderer.kind)
        overrides["renderer"] = RendererChoice(kind, options if kind == "diffusers" else {})
    if args.motion_model:
        overrides["motion"] = {**environment.motion, "model": args.motion_model}
    if args.music_model:
        overrides["music"] = {**environment.music, "model": args.music_model}
    return overrides


def _loudness(value: str) -> float:
    from film_assets.domain.projects.settings import LOUDNESS_TARGETS

    if value in LOUDNESS_TARGETS:
        return LOUDNESS_TARGETS[value]
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"--loudness {value!r}: use web (-14), broadcast (-23) or a number of LUFS") from None


def _voices(pairs: list[str]) -> dict[str, str]:
    voices = {}
    for pair in pairs:
        name, sep, voice = pair.partition("=")
        if not sep or not name.strip() or not voice.strip():
            raise ValueError(f"--voice {pair!r}: use CHARACTER=VOICE, e.g. --voice 'ZOË=en-gb+f2'")
        voices[name.strip().upper()] = voice.strip()
    return voices


def add_script_arguments(parser) -> None:
    """What `render` and `watch` both take: the script, its project, where the film goes, its frame."""
    parser.add_argument("script", help="a Fountain screenplay (.fountain)")
    parser.add_argument("--project", help="project id (a slug); default: from the title page or file name")
    parser.add_argument("--out", help="folder for the delivered files (default: ./renders/<project>)")
    parser.add_argument("--width", type=int, help="frame width (default 1280, or the project's own)")
    parser.add_argument("--height", type=int, help="frame height (default 720, or the project's own)")
    parser.add_argument(
        "--fps", type=float, help="frames per second (default 24, or the project's own; 23.976 is NTSC)"
    )


def add_render_command(commands) -> None:
    render = commands.add_parser("render", help="render a screenplay into final_cut.mp4, final_cut.srt, timeline.otio")
    add_script_arguments(render)
    render.add_argument(
        "--renderer",
        choices=("storyboard", "diffusers"),
        help="keyframe renderer (default: storyboard, or FILMSTUDIO_RENDERER)",
    )
    render.add_argument("--model", help="diffusers model: hub id or local folder made with save_pretrained")
    render.add_argument("--steps", type=int, help="diffusers denoising steps (default 30)")
    render.add_argument("--guidance", type=float, help="diffusers guidance scale (default 7.0)")
    render.add_argument("--scheduler", help="diffusers scheduler class, e.g. DPMSolverMultistepScheduler")
    render.add_argument("--batch-size", type=int, dest="batch_size", help="shots per diffusers call (default 4)")
    render.add_argument(
        "--motion-model",
        dest="motion_model",
        help="image-to-video model (hub id or local folder) for shot motion instead of camera moves",
    )
    render.add_argument(
        "--music-model",
        dest="music_model",
        help="text-to-music model (MusicGen; hub id or local folder) instead of the procedural score",
    )
    render.add_argument(
        "--loudness",
        help="loudness target: web (-14 LUFS, default), broadcast (-23) or a number of LUFS",
    )
    render.add_argument(
        "--voice",
        action="append",
        default=[],
        metavar="CHARACTER=VOICE",
        help="give a character a voice instead of the automatic casting (repeatable; replaces the project's)",
    )
    render.add_argument("--json", action="store_true", help="print one JSON object with the results on stdout")
    render.set_defaults(handler=_render)
