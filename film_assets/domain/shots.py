"""Shot breakdown: a parsed screenplay becomes an ordered, deterministic list of shots.

Same script and project id -> same shots, codes, durations and seeds, so re-renders and lineage
can rely on a shot code meaning the same thing every time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from fractions import Fraction

import pandas as pd

from film_assets.domain.fountain import Element, Scene, Screenplay
from film_assets.domain.frame_rate import frame_rate
from film_assets.domain.motion import CAMERA_MOVES

# Timing model until real speech measures it (the sound issue): ~155 words a minute spoken,
# slower when sung, action read at a calm pace, with handles so no line starts on a cut.
SPEAKING_WORDS_PER_S = 2.6
SINGING_WORDS_PER_S = 1.8
ACTION_WORDS_PER_S = 3.0
PAUSE_PARENTHETICAL_S = 0.8  # "(beat)", "(pause)" and similar
HANDLE_IN_S = 0.35
HANDLE_OUT_S = 0.45
ESTABLISHING_S = 3.0
CARD_S = 2.5
MIN_SHOT_S = 1.5
MAX_ACTION_SHOT_S = 6.0  # dialogue has no maximum: speech is never clipped

PAUSE_WORDS = ("beat", "pause", "silence", "a moment", "long beat")
INT_EXT_WORDS = {"INT": "Interior", "EXT": "Exterior", "INT/EXT": "Interior and exterior", "EST": "Establishing view"}


@dataclass(frozen=True)
class DialogueLine:
    """One spoken (or sung) line a shot covers, timed inside the shot."""

    character: str
    text: str
    line: int
    kind: str = "speech"  # "speech" or "lyric"
    parenthetical: str = ""
    extensions: tuple[str, ...] = ()
    offset_s: float = 0.0  # speech start, from the shot's start
    duration_s: float = 0.0

    @property
    def subtitle_text(self) -> str:
        return f"♪ {self.text} ♪" if self.kind == "lyric" else self.text


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


def _is_pause(parenthetical: str) -> bool:
    inner = parenthetical.strip("() ").lower()
    return any(inner.startswith(word) for word in PAUSE_WORDS)


def _speech_lines(element: Element) -> tuple[list[DialogueLine], float]:
    """The lines of one dialogue block, each a spoken line with its delivery, and their span."""
    lines: list[DialogueLine] = []
    cursor = 0.0
    parenthetical = ""
    for part in element.parts:
        if part.kind == "parenthetical":
            parenthetical = part.text
            if _is_pause(part.text):
                cursor += PAUSE_PARENTHETICAL_S
            continue
        rate = SINGING_WORDS_PER_S if part.kind == "lyric" else SPEAKING_WORDS_PER_S
        duration = max(0.6, _words(part.text) / rate)
        lines.append(DialogueLine(
            character=element.character or "", text=part.text, line=part.line,
            kind="lyric" if part.kind == "lyric" else "speech", parenthetical=parenthetical,
            extensions=tuple(element.extensions), offset_s=cursor, duration_s=duration,
        ))
        parenthetical = ""
        cursor += duration
    return _merge_block(lines), cursor


def _merge_block(lines: list[DialogueLine]) -> list[DialogueLine]:
    """A dialogue block is one line of the film: consecutive speech parts join into one cue."""
    if len(lines) <= 1:
        return lines
    first, last = lines[0], lines[-1]
    if all(line.kind == first.kind for line in lines):
        text = " ".join(line.text for line in lines)
        return [DialogueLine(first.character, text, first.line, first.kind, first.parenthetical,
                             first.extensions, first.offset_s, last.offset_s + last.duration_s - first.offset_s)]
    return lines


class _SceneCutter:
    """Walks one scene's elements and cuts them into shots."""

    def __init__(self, screenplay: Screenplay, scene: Scene, fps: Fraction):
        self.screenplay, self.scene, self.fps = screenplay, scene, fps
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
            self._add("establishing", ESTABLISHING_S, elements[0].text, elements[0].line,
                      self._mentioned(elements[0].text), notes=elements[0].notes)
            elements = elements[1:]
        else:
            self._add("establishing", ESTABLISHING_S, self.scene.heading, self.scene.line, ())
        index = 0
        while index < len(elements):
            element = elements[index]
            if element.kind == "dialogue" and element.dual and index + 1 < len(elements) \
                    and elements[index + 1].kind == "dialogue" and elements[index + 1].dual:
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
            self._add("action", seconds, element.text, element.line, self._mentioned(element.text),
                      notes=element.notes)
        elif element.kind == "dialogue":
            self._dialogue_shot([element])
        elif element.kind == "lyric":
            line = DialogueLine("", element.text, element.line, "lyric",
                                duration_s=max(0.6, _words(element.text) / SINGING_WORDS_PER_S))
            self._add("dialogue", line.duration_s + HANDLE_IN_S + HANDLE_OUT_S, f"♪ {element.text} ♪",
                      element.line, (), dialogue=[line], notes=element.notes)
        elif element.kind == "centered":
            self._add("card", CARD_S, element.text, element.line, (), notes=element.notes)
        elif element.kind == "transition":
            self.pending_transition = element.text
        # sections, synopses and page breaks shape the document, not the film
        self.pending_notes.extend(note.text for note in element.notes if element.kind in ("transition", "section", "synopsis"))

    def _dialogue_shot(self, blocks: list[Element]) -> None:
        lines: list[DialogueLine] = []
        span = 0.0
        for block in blocks:  # dual dialogue: both blocks start together
            block_lines, block_span = _speech_lines(block)
            lines.extend(block_lines)
            span = max(span, block_span)
        lines = [DialogueLine(line.character, line.text, line.line, line.kind, line.parenthetical,
                              line.extensions, round(line.offset_s + HANDLE_IN_S, 3), round(line.duration_s, 3))
                 for line in lines]
        speakers = tuple(dict.fromkeys(block.character or "" for block in blocks))
        caption = " / ".join(self._caption_for(block) for block in blocks)
        notes = tuple(note for block in blocks for note in block.notes)
        self._add("dialogue", span + HANDLE_IN_S + HANDLE_OUT_S, caption, blocks[0].line, speakers,
                  dialogue=lines, notes=notes)

    @staticmethod
    def _caption_for(block: Element) -> str:
        extension = f" ({', '.join(block.extensions)})" if block.extensions else ""
        # a sung block has no speech text: show its lyrics instead
        words = " ".join(p.text if p.kind == "speech" else f"♪ {p.text} ♪" for p in block.parts if p.kind != "parenthetical")
        return f'{block.character}{extension}: "{words}"'

    def _mentioned(self, text: str) -> tuple[str, ...]:
        upper = text.upper()
        return tuple(name for name in self.screenplay.characters
                     if re.search(rf"(?<![\w]){re.escape(name.upper())}(?![\w])", upper))

    def _add(self, shot_type: str, seconds: float, caption: str, line: int, characters,
             dialogue: list[DialogueLine] | None = None, notes=()) -> None:
        number = (len(self.shots) + 1) * 10
        code = shot_code(self.sequence, number)
        frames = max(round(Fraction(max(MIN_SHOT_S, seconds)).limit_denominator(1000) * self.fps), 1)
        self.shots.append(dict(
            code=code, sequence=self.sequence, number=number, shot_type=shot_type, duration_frames=int(frames),
            caption=caption, source_line=line, characters=tuple(characters), dialogue=tuple(dialogue or ()),
            transition_in=self.pending_transition, notes=tuple(self.pending_notes) + tuple(n.text for n in notes),
            context=self.context_action,
        ))
        self.pending_transition = ""
        self.pending_notes = []


def _setting(scene: Scene, time_of_day: str) -> str:
    place = INT_EXT_WORDS.get(scene.int_ext, "Scene")
    location = scene.location.lower() or scene.heading.lower()
    when = f", {time_of_day.lower()}" if time_of_day else ""
    return f"{place}, {location}{when}"


FRAMING = {"establishing": "Wide establishing shot", "action": "Medium shot",
           "dialogue": "Close-up", "card": "Title card"}
MOVE_WORDS = {"push_in": "slow push-in", "pull_out": "slow pull-out",
              "pan_left": "slow pan left", "pan_right": "slow pan right"}


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


def break_down_shots(screenplay: Screenplay, project_id: str, fps: float | Fraction = 24,
                     width: int = 1280, height: int = 720) -> list[Shot]:
    """Cut every scene into shots: an establishing shot, one shot per action paragraph, one per
    dialogue block (dual dialogue shares one), a card per centered line."""
    fps = frame_rate(fps)
    # a transition belongs to the cut into the next shot, even across a scene boundary
    carried = next((e.text for e in screenplay.preamble if e.kind == "transition"), "")
    shots: list[Shot] = []
    elapsed_frames = 0
    for scene, time_of_day in zip(screenplay.scenes, scene_times(screenplay), strict=True):
        cutter = _SceneCutter(screenplay, scene, fps)
        raws = cutter.cut(carried)
        carried = cutter.pending_transition
        for raw in raws:
            seed = shot_seed(project_id, raw["code"])
            move = _camera_move(raw["shot_type"], seed)
            shots.append(Shot(
                code=raw["code"], sequence=raw["sequence"], number=raw["number"], scene_index=scene.index,
                scene_number=scene.number or str(scene.index + 1), scene_heading=scene.heading,
                int_ext=scene.int_ext, location=scene.location, time_of_day=time_of_day,
                shot_type=raw["shot_type"], duration_frames=raw["duration_frames"],
                duration_s=round(float(raw["duration_frames"] / fps), 6), start_s=round(float(elapsed_frames / fps), 6),
                prompt=_prompt(scene, time_of_day, raw, move), seed=seed, characters=raw["characters"], camera_move=move,
                caption=raw["caption"], source_line=raw["source_line"], width=width, height=height,
                fps=float(fps), transition_in=raw["transition_in"],
                dialogue=raw["dialogue"], notes=raw["notes"],
            ))
            elapsed_frames += raw["duration_frames"]
    return shots


# The shot list travels as a table (parquet, shown in the UI); nested parts go as JSON text.
def shots_to_frame(shots: list[Shot]) -> pd.DataFrame:
    rows = []
    for shot in shots:
        row = asdict(shot)
        row["characters"] = ", ".join(shot.characters)
        row["dialogue"] = json.dumps([asdict(line) for line in shot.dialogue], ensure_ascii=False)
        row["notes"] = json.dumps(list(shot.notes), ensure_ascii=False)
        rows.append(row)
    return pd.DataFrame(rows, columns=[f for f in Shot.__dataclass_fields__])


def shots_from_frame(frame: pd.DataFrame) -> list[Shot]:
    shots = []
    for row in frame.to_dict(orient="records"):
        row["characters"] = tuple(name for name in row["characters"].split(", ") if name)
        row["dialogue"] = tuple(DialogueLine(**{**line, "extensions": tuple(line["extensions"])})
                                for line in json.loads(row["dialogue"]))
        row["notes"] = tuple(json.loads(row["notes"]))
        for name in ("sequence", "number", "scene_index", "duration_frames", "seed", "source_line", "width", "height"):
            row[name] = int(row[name])
        for name in ("duration_s", "start_s", "fps"):
            row[name] = float(row[name])
        shots.append(Shot(**row))
    return shots


def dialogue_line_count(shots: list[Shot]) -> int:
    return sum(len(shot.dialogue) for shot in shots)
