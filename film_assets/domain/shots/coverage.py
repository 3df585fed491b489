"""Line coverage: every dialogue line of the script is in exactly one shot, and fits inside it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from film_assets.domain.shots.breakdown import Shot

FIT_TOLERANCE_S = 1e-3  # offsets and durations are rounded to the millisecond


@dataclass(frozen=True)
class Coverage:
    lines: int  # lines in the script
    covered: int  # of those, in exactly one shot and inside it
    missing: list[int]  # script lines no shot covers
    repeated: dict[int, list[str]]  # script line -> the shots that all cover it
    unknown: list[int]  # lines the shots cover that the script does not have
    overrun: dict[int, str]  # script line -> the shot its speech runs past the end of

    @property
    def complete(self) -> bool:
        return not (self.missing or self.repeated or self.unknown or self.overrun)

    def problems(self) -> list[str]:
        return (
            [f"line {line}: in no shot" for line in self.missing]
            + [f"line {line}: in {len(codes)} shots ({', '.join(codes)})" for line, codes in self.repeated.items()]
            + [f"line {line}: in a shot but not in the script" for line in self.unknown]
            + [f"line {line}: speech runs past the end of {code}" for line, code in self.overrun.items()]
        )


def line_coverage(script_lines: Sequence[int], shots: Sequence[Shot]) -> Coverage:
    """How the shots cover the script's dialogue lines (each line's id is its script line)."""
    counts = Counter(line.line for shot in shots for line in shot.dialogue)
    covering: dict[int, list[str]] = {}
    overrun = {}
    for shot in shots:
        for line in shot.dialogue:
            covering.setdefault(line.line, []).append(shot.code)
            if line.offset_s + line.duration_s > shot.duration_s + FIT_TOLERANCE_S:
                overrun[line.line] = shot.code
    wanted = set(script_lines)
    missing = [line for line in script_lines if counts[line] == 0]
    repeated = {line: covering[line] for line in sorted(counts) if counts[line] > 1}
    unknown = sorted(set(counts) - wanted)
    covered = sum(1 for line in wanted if counts[line] == 1 and line not in overrun)
    return Coverage(len(wanted), covered, missing, repeated, unknown, overrun)
