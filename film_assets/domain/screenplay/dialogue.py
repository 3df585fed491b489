"""The film's dialogue lines: what each character says, how, and on which script line.

One line per dialogue block (or per standalone lyric). Voices speak these, the shot list times
its shots from their measured length, subtitles and the mix place them.
"""

from __future__ import annotations

from dataclasses import dataclass

from film_assets.domain.screenplay.fountain import Screenplay

PAUSE_WORDS = ("beat", "pause", "silence", "a moment", "long beat", "a beat")
PAUSE_S = 0.6


@dataclass(frozen=True)
class SpokenPart:
    text: str
    kind: str = "speech"  # "speech" or "lyric"
    parenthetical: str = ""  # the delivery note right before it, e.g. "(whispering)"
    pause_before_s: float = 0.0  # silence a "(beat)" asks for before this part


@dataclass(frozen=True)
class LineSpec:
    line: int  # script line of the first spoken part: the line's id
    scene_index: int
    character: str  # "" for a lyric outside any dialogue block
    extensions: tuple[str, ...]  # ("V.O.",), ("O.S.",), ("CONT'D",) ...
    parts: tuple[SpokenPart, ...]
    dual: bool = False

    @property
    def kind(self) -> str:
        return "lyric" if all(part.kind == "lyric" for part in self.parts) else "speech"

    @property
    def text(self) -> str:
        return " ".join(part.text for part in self.parts)

    @property
    def subtitle_text(self) -> str:
        return " ".join(f"♪ {p.text} ♪" if p.kind == "lyric" else p.text for p in self.parts)


def is_pause(parenthetical: str) -> bool:
    inner = parenthetical.strip("() ").lower()
    return any(inner.startswith(word) for word in PAUSE_WORDS)


def dialogue_lines(screenplay: Screenplay) -> list[LineSpec]:
    """Every line of the film in script order."""
    lines: list[LineSpec] = []
    for scene in screenplay.scenes:
        for element in scene.elements:
            if element.kind == "dialogue":
                parts, parenthetical, pause = [], "", 0.0
                for part in element.parts:
                    if part.kind == "parenthetical":
                        parenthetical = part.text
                        pause += PAUSE_S if is_pause(part.text) else 0.0
                        continue
                    parts.append(
                        SpokenPart(
                            part.text,
                            "lyric" if part.kind == "lyric" else "speech",
                            parenthetical,
                            pause if parts else 0.0,
                        )
                    )
                    parenthetical, pause = "", 0.0
                if parts:
                    first_line = next(p.line for p in element.parts if p.kind != "parenthetical")
                    lines.append(
                        LineSpec(
                            first_line,
                            scene.index,
                            element.character or "",
                            tuple(element.extensions),
                            tuple(parts),
                            element.dual,
                        )
                    )
            elif element.kind == "lyric":
                lines.append(LineSpec(element.line, scene.index, "", (), (SpokenPart(element.text, "lyric"),)))
    return lines
