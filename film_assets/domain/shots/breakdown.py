"""Shot breakdown: a parsed screenplay becomes an ordered, deterministic list of shots.

Same script and project id -> same shots, codes, durations and seeds, so re-renders and lineage
can rely on a shot code meaning the same thing every time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from film_assets.domain.screenplay.dialogue import LineSpec, dialogue_lines
from film_assets.domain.screenplay.fountain import Element, Scene, Screenplay
from film_assets.domain.video.frame_rate import frame_rate
from film_assets.domain.video.motion import CAMERA_MOVES

# Timing: dialogue shots last as long as their measured speech (dialogue_track); the estimate
# below (~155 words a minute, slower when sung) stands in only where nothing was measured. Action
# is read at a calm pace, and handles keep every line off the cut.
SPEAKING_WORDS_PER_S = 2.6
SINGING_WORDS_PER_S = 1.8
ACTION_WORDS_PER_S = 3.0
HANDLE_IN_S = 0.35
HANDLE_OUT_S = 0.45
ESTABLISHING_S = 3.0
CARD_S = 2.5
MIN_SHOT_S = 1.5
MAX_ACTION_SHOT_S = 6.0  # dialogue has no maximum: speech is never clipped

INT_EXT_WORDS = {"INT": "Interior", "EXT": "Exterior", "INT/EXT": "Interior and exterior", "EST": "Establishing view"}


@dataclass(frozen=True)
class DialogueLine:
    """One spoken (or sung) line a shot covers, timed inside the shot."""

    character: str
    text: str  # as subtitled: sung parts between ♪
    line: int
    kind: str = "speech"  # "speech" or "lyric"
    parenthetical: str = ""
    extensions: tuple[str, ...] = ()
    offset_s: float = 0.0  # speech start, from the shot's start
    duration_s: float = 0.0


@dataclass(frozen=True)
class Shot:
    code: str
    sequence: int
    number: int
    scene_index: int
    scene_number: str
    scene_heading: str
    int_ext: str
    location: str
    time_of_day: str
    shot_type: str  # establishing | action | dialogue | card
    duration_frames: int
    duration_s: float
    start_s: float
    prompt: str
    seed: int
    characters: tuple[str, ...]
    camera_move: str
    caption: str
    source_line: int
    width: int = 1280  # the project's frame size and rate shape every render of the shot
    height: int = 720
    fps: float = 24.0
    transition_in: str = ""
    dialogue: tuple[DialogueLine, ...] = ()
    notes: tuple[str, ...] = ()


def sequence_code(scene_index: int) -> int:
    return (scene_index + 1) * 10


def shot_code(sequence: int, number: int) -> str:
    return f"SQ{sequence:03d}_SH{number:03d}"


def shot_seed(project_id: str, code: str) -> int:
    """A stable 31-bit seed from project and shot code (hashlib, never Python's salted hash())."""
    digest = hashlib.sha256(f"{project_id}/{code}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _words(text: str) -> int:
    return len(re.findall(r"[\w'’-]+", text))


def estimated_duration(line: LineSpec) -> float:
    """Speech length before a voice has measured it: words at a speaking (or singing) rate, plus
    the pauses its parentheticals ask for."""
    seconds = 0.0
    for part in line.parts:
        rate = SINGING_WORDS_PER_S if part.kind == "lyric" else SPEAKING_WORDS_PER_S
        seconds += part.pause_before_s + max(0.6, _words(part.text) / rate)
    return seconds


class _SceneCutter:
    """Walks one scene's elements and cuts them into shots."""

    def __init__(
        self,
        screenplay: Screenplay,
        scene: Scene,
        fps: Fraction,
        lines: dict[int, LineSpec],
        durations: Mapping[int, float],
    ):
        self.screenplay, self.scene, self.fps = screenplay, scene, fps
        self.lines, self.durations = lines, durations
        self.sequence = sequence_code(scene.index)
        self.shots: list[dict] = []
        self.context_action = ""
        self.pending_transition = ""
        self.pending_notes: list[str] = []

    def cut(self, start_transition: str) -> list[dict]:
        self.pending_transition = start_transition
        elements = list(self.scene.elements)
        if elements and elements[0].kind == "action":
            # the scene's opening paragraph sets the scene: it becomes the wide shot
            self.context_action = elements[0].text
            self._add(
                "establishing",
                ESTABLISHING_S,
                elements[0].text,
                elements[0].line,
                self._mentioned(elements[0].text),
                notes=elements[0].notes,
            )
            elements = elements[1:]
        else:
            self._add("establishing", ESTABLISHING_S, self.scene.heading, self.scene.line, ())
        index = 0
        while index < len(elements):
            element = elements[index]
            if (
                element.kind == "dialogue"
                and element.dual
                and index + 1 < len(elements)
                and elements[index + 1].kind == "dialogue"
                and elements[index + 1].dual
            ):
                self._dialogue_shot([element, elements[index + 1]])
                index += 2
                continue
            self._element_shot(element)
            index += 1
        return self.shots

    def _element_shot(self, element: Element) -> None:
        if element.kind == "action":
            self.context_action = element.text
            seconds = min(MAX_ACTION_SHOT_S, max(2.0, _words(element.text) / ACTION_WORDS_PER_S))
            self._add("action", seconds, element.text, element.line, self._mentioned(element.text), notes=element.notes)
        elif element.kind == "dialogue":
            self._dialogue_shot([element])
        elif element.kind == "lyric":
            self._dialogue_shot([element])
        elif element.kind == "centered":
            self._add("card", CARD_S, element.text, element.line, (), notes=element.notes)
        elif element.kind == "transition":
            self.pending_transition = element.text
        # sections, synopses and page breaks shape the document, not the film
        self.pending_notes.extend(
            note.text for note in element.notes if element.kind in ("transition", "section", "synopsis")
        )

    def _line_of(self, element: Element) -> LineSpec:
        first = next((p.line for p in element.parts if p.kind != "parenthetical"), element.line)
        return self.lines[first]

    def _dialogue_shot(self, blocks: list[Element]) -> None:
        """One shot for a dialogue block (or a dual-dialogue pair, whose lines start together),
        as long as its longest line takes to say, plus handles."""
        lines: list[DialogueLine] = []
        for block in blocks:
            spec = self._line_of(block)
            seconds = self.durations.get(spec.line) or estimated_duration(spec)
            first = spec.parts[0]
            lines.append(
                DialogueLine(
                    spec.character,
                    spec.subtitle_text,
                    spec.line,
                    spec.kind,
                    first.parenthetical,
                    spec.extensions,
                    HANDLE_IN_S,
                    round(seconds, 3),
                )
            )
        span = max(line.duration_s for line in lines)
        speakers = tuple(dict.fromkeys(line.character for line in lines if line.character))
        caption = " / ".join(self._caption_for(block) for block in blocks)
        notes = tuple(note for block in blocks for note in block.notes)
        self._add(
            "dialogue",
            span + HANDLE_IN_S + HANDLE_OUT_S,
            caption,
            blocks[0].line,
            speakers,
            dialogue=lines,
            notes=notes,
        )

    @staticmethod
    def _caption_for(block: Element) -> str:
        if block.kind == "lyric":
            return f"♪ {block.text} ♪"
        extension = f" ({', '.join(block.extensions)})" if block.extensions else ""
        # a sung block has no speech text: show its lyrics instead
        words = " ".join(
            p.text if p.kind == "speech" else f"♪ {p.text} ♪" for p in block.parts if p.kind != "parenthetical"
        )
        return f'{block.character}{extension}: "{words}"'

    def _mentioned(self, text: str) -> tuple[str, ...]:
        upper = text.upper()
        return tuple(
            name
            for name in self.screenplay.characters
            if re.search(rf"(?<![\w]){re.escape(name.upper())}(?![\w])", upper)
        )

    def _add(
        self,
        shot_type: str,
        seconds: float,
        caption: str,
        line: int,
        characters,
        dialogue: list[DialogueLine] | None = None,
        notes=(),
    ) -> None:
        number = (len(self.shots) + 1) * 10
        code = shot_code(self.sequence, number)
        frames = max(round(Fraction(max(MIN_SHOT_S, seconds)).limit_denominator(1000) * self.fps), 1)
        self.shots.append(
            dict(
                code=code,
                sequence=self.sequence,
                number=number,
                shot_type=shot_type,
                duration_frames=int(frames),
                caption=caption,
                source_line=line,
                characters=tuple(characters),
                dialogue=tuple(dialogue or ()),
                transition_in=self.pending_transition,
                notes=tuple(self.pending_notes) + tuple(n.text for n in notes),
                context=self.context_action,
            )
        )
        self.pending_transition = ""
        self.pending_notes = []


def _setting(scene: Scene, time_of_day: str) -> str:
    place = INT_EXT_WORDS.get(scene.int_ext, "Scene")
    location = scene.location.lower() or scene.heading.lower()
    when = f", {time_of_day.lower()}" if time_of_day else ""
    return f"{place}, {location}{when}"


FRAMING = {
    "establishing": "Wide establishing shot",
    "action": "Medium shot",
    "dialogue": "Close-up",
    "card": "Title card",
}
MOVE_WORDS = {
    "push_in": "slow push-in",
    "pull_out": "slow pull-out",
    "pan_left": "slow pan left",
    "pan_right": "slow pan right",
}


def _camera_move(shot_type: str, seed: int) -> str:
    if shot_type == "dialogue" or shot_type == "card":
        return "push_in"
    if shot_type == "establishing":
        return "pan_right" if seed % 2 else "pan_left"
    return CAMERA_MOVES[seed % len(CAMERA_MOVES)]


def _prompt(scene: Scene, time_of_day: str, raw: dict, camera_move: str) -> str:
    parts = [_setting(scene, time_of_day)]
    context = raw["caption"] if raw["shot_type"] in ("establishing", "action", "card") else raw["context"]
    if context and context != scene.heading:
        parts.append(context.rstrip("."))
    if raw["characters"]:
        parts.append("featuring " + ", ".join(raw["characters"]))
    parts.append(f"{FRAMING[raw['shot_type']]}, {MOVE_WORDS[camera_move]}")
    return ". ".join(parts) + "."


# Headings that continue the previous scene's time ("INT. KITCHEN - CONTINUOUS") keep its light.
CONTINUITY_TIMES = {"", "CONTINUOUS", "LATER", "MOMENTS LATER", "A MOMENT LATER", "SAME", "SAME TIME", "CONT'D"}


def scene_times(screenplay: Screenplay) -> list[str]:
    """Each scene's effective time of day, carrying the last stated one through continuity headings."""
    times, current = [], ""
    for scene in screenplay.scenes:
        stated = scene.time_of_day.strip().upper()
        if stated not in CONTINUITY_TIMES:
            current = stated
        times.append(current if stated in CONTINUITY_TIMES else stated)
    return times


def break_down_shots(
    screenplay: Screenplay,
    project_id: str,
    fps: float | Fraction = 24,
    width: int = 1280,
    height: int = 720,
    line_durations: Mapping[int, float] | None = None,
) -> list[Shot]:
    """Cut every scene into shots: an establishing shot, one shot per action paragraph, one per
    dialogue block (dual dialogue shares one), a card per centered line.

    line_durations maps a dialogue line's id (its script line) to its measured speech length, so
    no line is ever clipped; lines without one use an estimate from their words."""
    fps = frame_rate(fps)
    lines = {line.line: line for line in dialogue_lines(screenplay)}
    line_durations = line_durations or {}
    # a transition belongs to the cut into the next shot, even across a scene boundary
    carried = next((e.text for e in screenplay.preamble if e.kind == "transition"), "")
    shots: list[Shot] = []
    elapsed_frames = 0
    for scene, time_of_day in zip(screenplay.scenes, scene_times(screenplay), strict=True):
        cutter = _SceneCutter(screenplay, scene, fps, lines, line_durations)
        raws = cutter.cut(carried)
        carried = cutter.pending_transition
        for raw in raws:
            seed = shot_seed(project_id, raw["code"])
            move = _camera_move(raw["shot_type"], seed)
            shots.append(
                Shot(
                    code=raw["code"],
                    sequence=raw["sequence"],
                    number=raw["number"],
                    scene_index=scene.index,
                    scene_number=scene.number or str(scene.index + 1),
                    scene_heading=scene.heading,
                    int_ext=scene.int_ext,
                    location=scene.location,
                    time_of_day=time_of_day,
                    shot_type=raw["shot_type"],
                    duration_frames=raw["duration_frames"],
                    duration_s=round(float(raw["duration_frames"] / fps), 6),
                    start_s=round(float(elapsed_frames / fps), 6),
                    prompt=_prompt(scene, time_of_day, raw, move),
                    seed=seed,
                    characters=raw["characters"],
                    camera_move=move,
                    caption=raw["caption"],
                    source_line=raw["source_line"],
                    width=width,
                    height=height,
                    fps=float(fps),
                    transition_in=raw["transition_in"],
                    dialogue=raw["dialogue"],
                    notes=raw["notes"],
                )
            )
            elapsed_frames += raw["duration_frames"]
    return shots


def dialogue_line_count(shots: list[Shot]) -> int:
    return sum(len(shot.dialogue) for shot in shots)
