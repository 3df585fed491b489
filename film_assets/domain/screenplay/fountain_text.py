"""Text-level passes of the Fountain parser: decoding, boneyard, notes, emphasis, title page,
plus the single-line grammar (scene headings, character cues) that fountain.py applies.

Nothing here tracks scenes or blocks; that is fountain.py's job. Every pass keeps the 1-based *source* line number of each surviving line, because
errors and lineage must name the line a writer sees in their editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LINES = 30_000  # bounds the parse (under a second); a feature screenplay has about 6,000 lines


class TextError(Exception):
    """A problem found before parsing; fountain.py re-raises it as a FountainError."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class SourceLine:
    """One logical line: boneyard and notes removed, emphasis and indentation kept."""

    number: int  # 1-based line in the original file
    text: str  # may keep trailing spaces ("  " joins blocks)
    notes: tuple[tuple[int, str], ...] = ()  # (line where [[ opens, note text)

    @property
    def blank(self) -> bool:
        """A real paragraph break: nothing shown and no note on the line."""
        return not self.notes and not self.text.strip()

    @property
    def note_only(self) -> bool:
        """Only a note here; such lines are transparent to the block grammar."""
        return bool(self.notes) and not self.text.strip()

    @property
    def connector(self) -> bool:
        """Fountain's two-space line, which keeps dialogue or action going."""
        return self.blank and len(self.text) >= 2 and not self.text.strip(" ")


def decode(source: str | bytes) -> str:
    """Return text with BOM dropped and line endings normalised to '\\n'; refuse binaries."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source).removeprefix(b"\xef\xbb\xbf")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            before = data[: err.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            raise TextError(
                f"not a text screenplay: byte 0x{data[err.start]:02x} is not UTF-8 text",
                before.count(b"\n") + 1,
            ) from None
    elif isinstance(source, str):
        text = source.removeprefix("\ufeff")
    else:
        raise TypeError(f"a screenplay is str or bytes, not {type(source).__name__}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    nul = text.find("\x00")
    if nul >= 0:
        raise TextError("not a text screenplay: it contains NUL bytes", text.count("\n", 0, nul) + 1)
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise TextError(
            f"too long: {lines:,} lines, and a screenplay may have {MAX_LINES:,} (a feature film has about 6,000); "
            "split it into several projects",
            MAX_LINES + 1,
        )
    return text


def join_around_cut(before: str, after: str) -> str:
    """Glue the text on both sides of a removed note or boneyard without doubling the space."""
    if not before.strip():
        return before + after.lstrip()
    if not after:
        return before
    if before[-1].isspace() and after[0].isspace():
        return before.rstrip() + " " + after.lstrip()
    if before[-1].isspace() and after[0] in ",.;:!?)":
        return before.rstrip() + after
    return before + after


def strip_boneyard(text: str) -> list[tuple[int, str]]:
    """Drop /* ... */ spans; lines wholly inside one vanish but numbering is untouched."""
    kept_lines: list[tuple[int, str]] = []
    inside, opened_on = False, 0
    for number, raw in enumerate(text.split("\n"), 1):
        pieces: list[str] = []
        pos, touched = 0, inside
        while True:
            if inside:
                end = raw.find("*/", pos)
                if end < 0:
                    break
                pos, inside = end + 2, False
            else:
                start = raw.find("/*", pos)
                if start < 0:
                    pieces.append(raw[pos:])
                    break
                pieces.append(raw[pos:start])
                pos, inside, opened_on, touched = start + 2, True, number, True
        line = ""
        for piece in pieces:
            line = join_around_cut(line, piece) if line else piece
        # A line that only held boneyard must not become a blank line: that would split
        # the dialogue or action block around it.
        if touched and not line.strip():
            continue
        kept_lines.append((number, line))
    if inside:
        raise TextError("unclosed boneyard: '/*' has no closing '*/'", opened_on)
    return kept_lines


def extract_notes(lines: list[tuple[int, str]]) -> list[SourceLine]:
    """Lift [[notes]] out of the text. A note spanning lines folds into the line it opens on."""
    result: list[SourceLine] = []
    inside, opened_on = False, 0
    number, text, notes, chunks = 0, "", [], []
    after_note = False
    for line_number, raw in lines:
        if not inside:
            number, text, notes, after_note = line_number, "", [], False
        pos = 0
        while True:
            if inside:
                end = raw.find("]]", pos)
                if end < 0:
                    chunks.append(raw[pos:])
                    break
                chunks.append(raw[pos:end])
                notes.append((opened_on, "\n".join(c.strip() for c in chunks).strip()))
                pos, inside, after_note = end + 2, False, True
            else:
                start = raw.find("[[", pos)
                segment = raw[pos:] if start < 0 else raw[pos:start]
                text = join_around_cut(text, segment) if after_note else text + segment
                if start < 0:
                    break
                pos, inside, opened_on, chunks = start + 2, True, line_number, []
        if not inside:
            result.append(SourceLine(number, text, tuple(notes)))
    if inside:
        raise TextError("unclosed note: '[[' has no closing ']]'", opened_on)
    return result


_ESCAPES = (("\\*", "\ue000", "*"), ("\\_", "\ue001", "_"))
# A span never runs past its own closing marker ([^*] and the like rather than .+?): the search
# from each opening stops at the next candidate close, so a line of thousands of unmatched markers
# is read in linear time, not quadratic (minutes for one hostile 150 KB line).
_EMPHASIS = (
    re.compile(r"\*\*\*(?=\S)((?:[^*]|\*(?!\*\*))+?)(?<=\S)\*\*\*"),
    re.compile(r"\*\*(?=\S)((?:[^*]|\*(?!\*))+?)(?<=\S)\*\*"),
    re.compile(r"\*(?=\S)([^*]+?)(?<=\S)\*"),
    # Underline only at word edges, so snake_case names and URLs survive (inside one too).
    re.compile(r"(?<!\w)_(?=\S)((?:[^_]|(?<=\w)_(?=\w))+?)(?<=\S)_(?!\w)"),
)


def strip_emphasis(text: str) -> str:
    """Remove *italic*, **bold**, ***both*** and _underline_ markers; \\* and \\_ stay literal."""
    if "*" not in text and "_" not in text:
        return text
    for escaped, placeholder, _ in _ESCAPES:
        text = text.replace(escaped, placeholder)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    for _, placeholder, literal in _ESCAPES:
        text = text.replace(placeholder, literal)
    return text


_TITLE_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9 _-]{0,40}):(.*)$")


def split_title_page(lines: list[SourceLine], heading: re.Pattern[str]) -> tuple[dict[str, str], int]:
    """Read the optional title page; return (keys lowercased -> value, index where the body starts).

    A title page exists only when the file opens with "Key: value". "FADE IN:" alone on the
    first line, or a heading such as "EXT HOUSE: NIGHT", is not a title page.
    """
    start = 0
    while start < len(lines) and not lines[start].text.strip():
        start += 1
    if start == len(lines):
        return {}, 0
    first = lines[start].text
    match = _TITLE_KEY.match(first)
    if not match or heading.match(first):
        return {}, 0
    if not match.group(2).strip():
        follower = lines[start + 1] if start + 1 < len(lines) else None
        if follower is None or follower.blank or not follower.text[:1].isspace():
            return {}, 0
    values: dict[str, list[str]] = {}
    key = ""
    index = start
    while index < len(lines) and not lines[index].blank:
        line = lines[index]
        index += 1
        if line.note_only:
            continue
        if heading.match(line.text):  # a missing blank line must not swallow the first scene
            index -= 1
            break
        match = None if line.text[:1].isspace() else _TITLE_KEY.match(line.text)
        if match:
            key = match.group(1).strip().lower()
            values.setdefault(key, [])
            value = match.group(2).strip()
        else:  # an indented (or stray) line continues the previous key
            value = line.text.strip()
        if value:
            values.setdefault(key, []).append(strip_emphasis(value))
    return {k: "\n".join(v) for k, v in values.items()}, index


# --- single-line grammar ------------------------------------------------------------------

HEADING = re.compile(r"^(INT\.?/EXT|EXT\.?/INT|INT/EXT|I/E|INT|EXT|EST)(?:\.|\s)", re.IGNORECASE)
SCENE_NUMBER = re.compile(r"\s*#([0-9A-Za-z.\-]+)#$")
_HEADING_PREFIX = re.compile(r"^(INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT|EST)(?:\.\s*|\s+|$)", re.IGNORECASE)
_TIME_SEPARATOR = re.compile(r"\s+[-–—]\s+")
_CUE_EXTENSION = re.compile(r"\(([^()]*)\)")


def all_caps(text: str) -> bool:
    """Upper case in any script (TOMÁS, ZOË count) and at least one letter."""
    return any(c.isalpha() for c in text) and text == text.upper()


def split_heading(text: str) -> tuple[str, str, str]:
    """ "INT. DINER - NIGHT" -> ("INT", "DINER", "NIGHT"); any I/E spelling -> "INT/EXT"."""
    int_ext, rest = "", text
    match = _HEADING_PREFIX.match(text)
    if match:
        int_ext = match.group(1).upper().replace(".", "")
        int_ext = "INT/EXT" if "/" in int_ext else int_ext
        rest = text[match.end() :]
    separators = list(_TIME_SEPARATOR.finditer(rest))
    if not separators:
        return int_ext, rest.strip(), ""
    last = separators[-1]
    return int_ext, rest[: last.start()].strip(), rest[last.end() :].strip()


def parse_cue(text: str) -> tuple[str, tuple[str, ...], bool, bool] | None:
    """Return (name, extensions, dual, forced) if the line can be a character cue, else None."""
    forced = text.startswith("@")
    body = (text[1:] if forced else text).rstrip()
    dual = body.endswith("^")
    body = body[:-1].rstrip() if dual else body
    paren = body.find("(")
    name = strip_emphasis(body if paren < 0 else body[:paren]).strip()
    rest = "" if paren < 0 else body[paren:]
    if not name or _CUE_EXTENSION.sub("", rest).strip():  # text after the extensions: not a cue
        return None
    if not forced and not all_caps(name):  # extensions may be lower case, the name may not
        return None
    return name, tuple(e.strip() for e in _CUE_EXTENSION.findall(rest)), dual, forced
