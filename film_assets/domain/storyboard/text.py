"""Text for the storyboard renderer: the shipped font, measuring, fitting and wrapping.

All text is drawn with Source Sans Pro from the ``font-source-sans-pro`` wheel
(Adobe, SIL Open Font License). A font shipped as a Python dependency, rather
than a system font, means:

* the same glyphs, hence byte-identical frames, on every machine;
* nothing to install on the host (no fontconfig, no fonts-* packages);
* real glyphs for accented Latin, Greek and Cyrillic names (TOMÁS, ZOË,
  ŁUKASZ, ΑΛΕΞΗΣ, ДМИТРИЙ), which Pillow's bundled font lacks.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from PIL import ImageDraw, ImageFont

from film_assets.domain.storyboard.palette import Color

__all__ = [
    "BOLD",
    "ELLIPSIS",
    "REGULAR",
    "SEMIBOLD",
    "cap_height",
    "clean",
    "draw_text",
    "fit",
    "font",
    "text_width",
    "wrap",
]

Font = ImageFont.FreeTypeFont
REGULAR, SEMIBOLD, BOLD = "Regular", "Semibold", "Bold"
ELLIPSIS = "\u2026"


@lru_cache(maxsize=64)
def font(size: int, weight: str = SEMIBOLD) -> Font:
    """Source Sans Pro at ``size`` px, cached per (size, weight)."""
    size = max(6, int(size))
    try:
        path = resources.files("font_source_sans_pro") / "files" / f"SourceSansPro-{weight}.ttf"
    except ImportError:  # font wheel missing: Pillow's own font still draws ASCII, accents show as boxes
        return ImageFont.load_default(size=size)  # type: ignore[return-value]
    # BASIC layout: glyph placement must not depend on whether libraqm happens to be installed.
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=64)
def cap_height(f: Font) -> float:
    """Height of a capital above the baseline, for centring text by its capitals."""
    return float(-f.getbbox("H", anchor="ls")[1])


@lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """Composed form (A + combining acute -> Á, one real glyph); control / zero-width chars removed."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) not in ("Cc", "Cf"))


def text_width(text: str, f: Font) -> float:
    return f.getlength(clean(text))


def draw_text(draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, f: Font, fill: Color) -> float:
    """Draw text with its baseline at ``baseline``; returns the x where it ends."""
    text = clean(text)
    draw.text((x, baseline), text, font=f, fill=fill, anchor="ls")
    return x + f.getlength(text)


def _prefix_len(text: str, f: Font, max_w: float, suffix: str = "") -> int:
    """Largest k such that text[:k] (right-stripped) + suffix fits in max_w."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if f.getlength(text[:mid].rstrip() + suffix) <= max_w:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _ellipsize(text: str, f: Font, max_w: float) -> str:
    k = _prefix_len(text, f, max_w, ELLIPSIS)
    return text[:k].rstrip() + ELLIPSIS if k else ""


def fit(text: str, f: Font, max_w: float) -> str:
    """Text unchanged if it fits in max_w, else truncated with an ellipsis."""
    text = clean(text)
    return text if f.getlength(text) <= max_w else _ellipsize(text, f, max_w)


def wrap(text: str, f: Font, max_w: float, max_lines: int) -> list[str]:
    """Greedy word wrap; over-long words are split; overflow ends with an ellipsis."""
    lines: list[str] = []
    cur = ""
    for word in clean(text).split():
        cand = f"{cur} {word}" if cur else word
        if f.getlength(cand) <= max_w:
            cur = cand
            continue
        if cur:
            lines.append(cur)
        while len(word) > 1 and len(lines) <= max_lines and f.getlength(word) > max_w:
            k = max(1, _prefix_len(word, f, max_w))
            lines.append(word[:k])
            word = word[k:]
        cur = word
        if len(lines) > max_lines:
            break
    if cur:
        lines.append(cur)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _ellipsize(lines[-1], f, max_w)
    return lines
