"""Subtitles: one SRT cue per dialogue line, timed to the speech inside its shot."""

from __future__ import annotations

from dataclasses import dataclass

from film_assets.domain.shots.breakdown import Shot


@dataclass(frozen=True)
class Cue:
    index: int
    start_s: float
    end_s: float
    text: str
    shot_code: str
    source_line: int


def build_cues(shots: list[Shot]) -> list[Cue]:
    """A cue per dialogue line, kept inside its shot so a cue never spills over a cut."""
    cues: list[Cue] = []
    for shot in shots:
        shot_end = shot.start_s + shot.duration_s
        for line in shot.dialogue:
            start = shot.start_s + line.offset_s
            end = min(start + max(line.duration_s, 0.5), shot_end)
            speaker = f"{line.character}: " if line.character and shot.characters and len(shot.characters) > 1 else ""
            cues.append(Cue(len(cues) + 1, round(start, 3), round(end, 3), speaker + line.text, shot.code, line.line))
    return cues


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def format_srt(cues: list[Cue]) -> str:
    blocks = [f"{cue.index}\n{_timestamp(cue.start_s)} --> {_timestamp(cue.end_s)}\n{cue.text}\n" for cue in cues]
    return "\n".join(blocks)
