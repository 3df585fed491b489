"""Fountain screenplay parser (https://fountain.io/syntax) into frozen dataclasses.

Why our own parser: of the PyPI parsers we checked, screenplain 0.12.0 and
screenplay-tools 0.0.10 give no source line numbers (and screenplain throws notes away),
which our errors and lineage need. fountain-py 0.3.0 has line numbers but failed our spec
suite: a Unicode cue such as "TOMÁS (V.O.)" became action, and an inline [[note]] split
one action paragraph into two. So we parse it ourselves, standard library only.

Deliberate readings where the spec leaves room:
- A scene heading ends its own paragraph: the next line may start a cue without a blank line.
- "FADE IN:", "FADE OUT.", "FADE TO BLACK." and "CUT TO BLACK." alone in caps are transitions.
- A note alone in its own paragraph attaches to the next element (or the next scene's
  heading); at the end of the script, to the last element.
- Synopses right after a heading are kept both as elements and in Scene.synopses.
- Parenthetical parts keep their parentheses, as a reader sees them: "(whispering)".
- Dialogue text joins the speech parts only; sung lines stay in parts as "lyric".
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Literal

from film_assets.domain.screenplay.document import (
    DialoguePart,
    Element,
    FountainError,
    Note,
    Scene,
    Screenplay,
)
from film_assets.domain.screenplay.fountain_text import (
    HEADING,
    SCENE_NUMBER,
    SourceLine,
    TextError,
    all_caps,
    decode,
    extract_notes,
    parse_cue,
    split_heading,
    split_title_page,
    strip_boneyard,
    strip_emphasis,
)

# --- grammar -----------------------------------------------------------------------------

_PAGE_BREAK = re.compile(r"^={3,}$")
MAX_SCENES = 2_000  # a feature film has about 150; more is a season, or an attack
_BARE_TRANSITIONS = {"FADE IN", "FADE OUT", "FADE TO BLACK", "CUT TO BLACK"}
_NO_HEADING = (
    "no scene heading found: a scene starts with a line such as 'INT. KITCHEN - NIGHT' "
    "(INT., EXT., EST., INT./EXT. or I/E) or a forced '.HEADING', after a blank line"
)


def _notes(line: SourceLine) -> list[Note]:
    return [Note(text, opened_on) for opened_on, text in line.notes]


@dataclass
class _SceneDraft:
    heading: str
    line: int
    number: str | None
    notes: list[Note]
    section: str | None
    elements: list[Element] = field(default_factory=list)
    synopses: list[str] = field(default_factory=list)


class _BodyParser:
    """Walks the lines after the title page, one block (paragraph) at a time."""

    def __init__(self, lines: list[SourceLine], source_name: str):
        self.lines = lines
        self.source_name = source_name
        self.preamble: list[Element] = []
        self.scenes: list[_SceneDraft] = []
        self.pending: list[Note] = []  # notes waiting for the element they precede
        self.section: str | None = None

    def error(self, message: str, line: int) -> FountainError:
        return FountainError(message, line, self.source_name)

    @property
    def container(self) -> list[Element]:
        return self.scenes[-1].elements if self.scenes else self.preamble

    def add(self, element: Element) -> None:
        if self.pending:
            element = dataclasses.replace(element, notes=(*self.pending, *element.notes))
            self.pending = []
        scene = self.scenes[-1] if self.scenes else None
        if element.kind == "synopsis" and scene and all(e.kind == "synopsis" for e in scene.elements):
            scene.synopses.append(element.text)
        self.container.append(element)

    def next_text(self, index: int) -> int:
        """Index of the next line that is not note-only (notes never break a block)."""
        while index < len(self.lines) and self.lines[index].note_only:
            index += 1
        return index

    def blank_at(self, index: int) -> bool:
        return index >= len(self.lines) or self.lines[index].blank

    def run(self) -> None:
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            if line.blank:
                index += 1
            elif line.note_only:
                self.pending.extend(_notes(line))
                index += 1
            else:
                index = self.block(index)
        if self.pending:  # notes after the last element
            target = self.container
            if target:
                target[-1] = dataclasses.replace(target[-1], notes=(*target[-1].notes, *self.pending))
            elif self.scenes:
                self.scenes[-1].notes.extend(self.pending)

    def block(self, index: int) -> int:
        """Recognise the block starting at index (always after a paragraph break); return the next index."""
        line = self.lines[index]
        text = line.text.strip()
        notes = _notes(line)
        followed_by_blank = self.blank_at(self.next_text(index + 1))
        if _PAGE_BREAK.match(text):
            self.add(Element("page_break", "", line.number, notes=tuple(notes)))
        elif text.startswith("#"):
            level = len(text) - len(text.lstrip("#"))
            title = strip_emphasis(text[level:].strip())
            self.section = title
            self.add(Element("section", title, line.number, notes=tuple(notes), level=level))
        elif text.startswith("="):
            self.add(Element("synopsis", strip_emphasis(text[1:].strip()), line.number, notes=tuple(notes)))
        elif text.startswith("!"):
            return self.action(index, forced=True)
        elif text.startswith("~"):
            return self.grouped(index, "lyric")
        elif text.startswith(">") and text.endswith("<"):
            return self.grouped(index, "centered")
        elif text.startswith(">"):
            self.add(
                Element("transition", strip_emphasis(text[1:].strip()), line.number, notes=tuple(notes), forced=True)
            )
        elif (text.startswith(".") and text[1:2].isalnum()) or HEADING.match(text):
            self.heading(line, text)
        elif followed_by_blank and all_caps(text) and (text.endswith("TO:") or text.rstrip(".:") in _BARE_TRANSITIONS):
            self.add(Element("transition", strip_emphasis(text), line.number, notes=tuple(notes)))
        elif not followed_by_blank and (cue := parse_cue(text)):
            return self.dialogue(index, *cue)
        else:
            return self.action(index, forced=False)
        return index + 1

    def heading(self, line: SourceLine, text: str) -> None:
        if len(self.scenes) == MAX_SCENES:  # said at the first scene too many: the rest is not read
            raise self.error(
                f"too many scenes: a screenplay may have {MAX_SCENES:,} (a feature film has about 150); "
                "split it into several projects",
                line.number,
            )
        text = text[1:].strip() if text.startswith(".") else text
        number = None
        match = SCENE_NUMBER.search(text)
        if match:
            number, text = match.group(1), text[: match.start()].strip()
        notes = [*self.pending, *_notes(line)]
        self.pending = []
        self.scenes.append(_SceneDraft(strip_emphasis(text), line.number, number, notes, self.section))

    def action(self, index: int, forced: bool) -> int:
        shown: list[str] = []
        notes: list[Note] = []
        start = self.lines[index].number
        while index < len(self.lines) and (not self.lines[index].blank or self.lines[index].connector):
            line = self.lines[index]
            notes.extend(_notes(line))
            if not line.note_only:
                raw = line.text.rstrip()
                if raw.lstrip().startswith("!"):  # forced action marker, on any line of the block
                    cut = raw.index("!")
                    raw = raw[:cut] + raw[cut + 1 :]
                shown.append(strip_emphasis(raw))
            index += 1
        while shown and not shown[-1].strip():
            shown.pop()
        self.add(Element("action", "\n".join(shown), start, notes=tuple(notes), forced=forced))
        return index

    def grouped(self, index: int, kind: Literal["lyric", "centered"]) -> int:
        """Consecutive ~lyric or >centered< lines form one element."""
        shown: list[str] = []
        notes: list[Note] = []
        start = self.lines[index].number
        while index < len(self.lines):
            line = self.lines[index]
            text = line.text.strip()
            if line.note_only:
                notes.extend(_notes(line))
            elif kind == "lyric" and text.startswith("~"):
                shown.append(strip_emphasis(text[1:].strip()))
                notes.extend(_notes(line))
            elif kind == "centered" and text.startswith(">") and text.endswith("<"):
                shown.append(strip_emphasis(text[1:-1].strip()))
                notes.extend(_notes(line))
            else:
                break
            index += 1
        self.add(Element(kind, "\n".join(shown), start, notes=tuple(notes)))
        return index

    def dialogue(self, index: int, name: str, extensions: tuple[str, ...], dual: bool, forced: bool) -> int:
        cue = self.lines[index]
        notes = _notes(cue)
        parts: list[DialoguePart] = []
        open_parenthetical = False
        index += 1
        while index < len(self.lines) and (not self.lines[index].blank or self.lines[index].connector):
            line = self.lines[index]
            index += 1
            notes.extend(_notes(line))
            text = strip_emphasis(line.text.strip())
            if not text:
                continue
            if open_parenthetical:  # a parenthetical wrapped onto the next line
                last = parts[-1]
                parts[-1] = DialoguePart("parenthetical", f"{last.text} {text}", last.line)
            elif text.startswith("("):
                parts.append(DialoguePart("parenthetical", text, line.number))
            elif text.startswith("~"):
                parts.append(DialoguePart("lyric", text[1:].strip(), line.number))
            else:
                parts.append(DialoguePart("speech", text, line.number))
            open_parenthetical = parts[-1].kind == "parenthetical" and not parts[-1].text.endswith(")")
        speech = " ".join(p.text for p in parts if p.kind == "speech")
        if dual:
            self.pair_with_previous(cue.number)
        self.add(
            Element(
                "dialogue",
                speech,
                cue.number,
                character=name,
                extensions=extensions,
                dual=dual,
                parts=tuple(parts),
                notes=tuple(notes),
                forced=forced,
            )
        )
        return index

    def pair_with_previous(self, line: int) -> None:
        elements = self.container
        if not elements or elements[-1].kind != "dialogue":
            raise self.error(
                "dual-dialogue marker ^ without a preceding character cue "
                "(the ^ cue must directly follow another character's dialogue in the same scene)",
                line,
            )
        if elements[-1].dual:
            raise self.error("dual-dialogue marker ^ on a third cue: dual dialogue pairs exactly two blocks", line)
        elements[-1] = dataclasses.replace(elements[-1], dual=True)


def parse_fountain(source: str | bytes, source_name: str = "screenplay.fountain") -> Screenplay:
    """Parse Fountain text (str or UTF-8 bytes) into a Screenplay; raise FountainError if it is not one."""
    try:
        text = decode(source)
        if not text.strip():
            raise TextError("the screenplay is empty", 1)
        lines = extract_notes(strip_boneyard(text))
    except TextError as err:
        raise FountainError(err.message, err.line, source_name) from None
    title_page, body_start = split_title_page(lines, HEADING)
    parser = _BodyParser(lines[body_start:], source_name)
    parser.run()
    if not parser.scenes:
        raise FountainError(_NO_HEADING, 1, source_name)
    scenes = []
    for index, draft in enumerate(parser.scenes):
        int_ext, location, time_of_day = split_heading(draft.heading)
        scenes.append(
            Scene(
                index=index,
                heading=draft.heading,
                line=draft.line,
                int_ext=int_ext,
                location=location,
                time_of_day=time_of_day,
                number=draft.number,
                elements=tuple(draft.elements),
                notes=tuple(draft.notes),
                section=draft.section,
                synopses=tuple(draft.synopses),
            )
        )
    speaking = [
        e.character
        for e in (*parser.preamble, *(e for s in scenes for e in s.elements))
        if e.kind == "dialogue" and e.character
    ]
    return Screenplay(
        source_name=source_name,
        title_page=title_page,
        preamble=tuple(parser.preamble),
        scenes=tuple(scenes),
        characters=tuple(dict.fromkeys(speaking)),
        notes=tuple(Note(text, opened_on) for line in lines for opened_on, text in line.notes),
    )
