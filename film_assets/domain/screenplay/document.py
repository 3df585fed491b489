"""The parsed screenplay as frozen dataclasses (what fountain.py produces), and its JSON form, so
the scenes asset stores it and later steps read it back without parsing again."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal


class FountainError(ValueError):
    """Raised for input that is not a screenplay. str(err) == f"{source_name} line {line}: {message}"."""

    def __init__(self, message: str, line: int, source_name: str = "screenplay.fountain"):
        super().__init__(f"{source_name} line {line}: {message}")
        self.message = message
        self.line = line
        self.source_name = source_name

    def __reduce__(self):  # keep the error picklable across process boundaries
        return (type(self), (self.message, self.line, self.source_name))


@dataclass(frozen=True)
class DialoguePart:
    kind: Literal["speech", "parenthetical", "lyric"]
    text: str  # shown text (emphasis stripped, notes removed)
    line: int  # 1-based source line


@dataclass(frozen=True)
class Note:
    text: str
    line: int  # line where [[ opens


@dataclass(frozen=True)
class Element:
    kind: Literal["action", "dialogue", "transition", "centered", "lyric", "section", "synopsis", "page_break"]
    text: str  # shown text; dialogue: its speech parts joined with " "; section/synopsis: the title/text
    line: int  # 1-based source line where the element starts (the cue, for dialogue)
    character: str | None = None  # dialogue only: cue name without extensions and '@'
    extensions: tuple[str, ...] = ()  # dialogue only: ("V.O.",), ("O.S.", "CONT'D"), ...
    dual: bool = False  # dialogue only: True for both blocks of a dual-dialogue pair
    parts: tuple[DialoguePart, ...] = ()  # dialogue only: speech / parenthetical / lyric in order
    notes: tuple[Note, ...] = ()  # notes found inside this element
    forced: bool = False  # forced with ! @ >
    level: int = 0  # section depth (number of #)


@dataclass(frozen=True)
class Scene:
    index: int  # 0-based order in the script
    heading: str  # shown heading, scene number and forcing '.' removed
    line: int
    int_ext: str  # "INT", "EXT", "INT/EXT", "EST", or "" for a forced heading without prefix
    location: str
    time_of_day: str  # text after the last " - ", "" if absent
    number: str | None  # "1A" from "#1A#"
    elements: tuple[Element, ...]
    notes: tuple[Note, ...]  # notes on the heading line (and a note paragraph just before it)
    section: str | None  # title of the innermost enclosing section
    synopses: tuple[str, ...]  # synopsis lines right after the heading


@dataclass(frozen=True)
class Screenplay:
    source_name: str
    title_page: dict[str, str]  # keys lowercased, multi-line values joined with "\n"
    preamble: tuple[Element, ...]  # elements before the first scene heading
    scenes: tuple[Scene, ...]
    characters: tuple[str, ...]  # speaking characters, in order of first appearance
    notes: tuple[Note, ...]  # every note in the script, in order

    @property
    def title(self) -> str:
        """The title page's title, else the file name without its extension."""
        if self.title_page.get("title"):
            return self.title_page["title"]
        return PurePosixPath(self.source_name.replace("\\", "/")).stem or self.source_name

    @property
    def dialogue_count(self) -> int:
        return sum(1 for scene in self.scenes for element in scene.elements if element.kind == "dialogue")

    def to_dict(self) -> dict:
        """JSON-serialisable form: dataclasses become dicts, tuples become lists."""
        return _jsonable(self)

    @classmethod
    def from_dict(cls, data: dict) -> Screenplay:
        """Exact inverse of to_dict."""
        return cls(
            source_name=data["source_name"],
            title_page=dict(data["title_page"]),
            preamble=tuple(_element_from(e) for e in data["preamble"]),
            scenes=tuple(_scene_from(s) for s in data["scenes"]),
            characters=tuple(data["characters"]),
            notes=tuple(_note_from(n) for n in data["notes"]),
        )


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _note_from(data: dict) -> Note:
    return Note(text=data["text"], line=data["line"])


def _element_from(data: dict) -> Element:
    return Element(
        kind=data["kind"],
        text=data["text"],
        line=data["line"],
        character=data.get("character"),
        extensions=tuple(data.get("extensions", ())),
        dual=data.get("dual", False),
        parts=tuple(DialoguePart(p["kind"], p["text"], p["line"]) for p in data.get("parts", ())),
        notes=tuple(_note_from(n) for n in data.get("notes", ())),
        forced=data.get("forced", False),
        level=data.get("level", 0),
    )


def _scene_from(data: dict) -> Scene:
    return Scene(
        index=data["index"],
        heading=data["heading"],
        line=data["line"],
        int_ext=data["int_ext"],
        location=data["location"],
        time_of_day=data["time_of_day"],
        number=data["number"],
        elements=tuple(_element_from(e) for e in data["elements"]),
        notes=tuple(_note_from(n) for n in data["notes"]),
        section=data["section"],
        synopses=tuple(data["synopses"]),
    )
