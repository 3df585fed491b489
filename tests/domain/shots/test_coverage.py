"""Every dialogue line is covered by exactly one shot, and its speech ends inside that shot."""

from __future__ import annotations

from dataclasses import replace

from film_assets.domain.screenplay.dialogue import dialogue_lines
from film_assets.domain.screenplay.fountain import parse_fountain
from film_assets.domain.shots.breakdown import break_down_shots
from film_assets.domain.shots.coverage import line_coverage
from tests.conftest import EXAMPLES


def _lighthouse():
    screenplay = parse_fountain((EXAMPLES / "lighthouse.fountain").read_text(), "lighthouse.fountain")
    return [line.line for line in dialogue_lines(screenplay)], break_down_shots(screenplay, "lighthouse", 24)


def test_the_breakdown_covers_every_line_once():
    lines, shots = _lighthouse()
    coverage = line_coverage(lines, shots)
    assert coverage.complete and coverage.covered == coverage.lines == len(lines) > 5
    assert coverage.problems() == []


def test_a_dropped_a_doubled_and_a_foreign_line_are_each_named():
    lines, shots = _lighthouse()
    talking = [index for index, shot in enumerate(shots) if shot.dialogue]
    first, second = talking[0], talking[1]
    dropped = shots[first].dialogue[0].line
    doubled = shots[second].dialogue[0].line
    shots[first] = replace(shots[first], dialogue=())
    shots[second + 1] = replace(shots[second + 1], dialogue=shots[second].dialogue)
    coverage = line_coverage([line for line in lines if line != lines[-1]], shots)
    assert not coverage.complete
    assert coverage.missing == [dropped]
    assert coverage.repeated == {doubled: [shots[second].code, shots[second + 1].code]}
    assert coverage.unknown == [lines[-1]]  # the shots say it, the script (as given) does not
    assert coverage.covered == len(lines) - 1 - 2
    assert f"line {dropped}: in no shot" in coverage.problems()


def test_speech_running_past_its_shot_is_not_covered():
    lines, shots = _lighthouse()
    index = next(index for index, shot in enumerate(shots) if shot.dialogue)
    line = shots[index].dialogue[0]
    long = replace(line, duration_s=shots[index].duration_s)  # starts after the handle, so ends late
    shots[index] = replace(shots[index], dialogue=(long,))
    coverage = line_coverage(lines, shots)
    assert coverage.overrun == {line.line: shots[index].code}
    assert coverage.covered == len(lines) - 1 and not coverage.complete
