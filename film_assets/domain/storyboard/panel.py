"""CPU storyboard renderer: one deterministic, readable keyframe per shot.

``draw_storyboard(shot, width, height)`` draws a storyboard panel with Pillow
(numpy for gradients and glows) in three horizontal bands, see ``picture_band``:

* header bar, rows [0, top): scene heading, shot size + camera move tag, shot code;
* picture, rows [top, bottom): background from location and time of day, the
  characters as simple figures -- or, for ``shot_type == "card"``, a title card;
* caption box, rows [bottom, height): the caption, the speaker's name in colour.

Why bands: downstream each keyframe gets a camera move (push-in / pan as scale +
crop in ffmpeg) applied to the picture band only, so the header and caption stay
still and readable. Each band is drawn on its own canvas and pasted in, so
nothing can bleed across a band edge.

Determinism: every variation comes from ``hashlib`` digests of the input strings
or from ``random.Random(shot["seed"])`` -- never from global state -- and text
uses a font shipped as a Python package (see ``storyboard_text``), so the same
input gives a byte-identical PNG.

Modules: ``storyboard_scene`` (backgrounds), ``storyboard_figures`` (characters),
``storyboard_text`` (font, fitting, wrapping), ``storyboard_palette`` (colours,
palettes, stable hashing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PIL import Image, ImageDraw

from film_assets.domain.storyboard import palette as sp
from film_assets.domain.storyboard import text as st
from film_assets.domain.storyboard.figures import draw_figures, speaker_index
from film_assets.domain.storyboard.palette import AMBER, CARD, INK, PAPER, Color
from film_assets.domain.storyboard.scene import background, scene_mode

__all__ = ["draw_storyboard", "picture_band"]

_CAPTION_LINES = 3
_CAPTION_LEADING = 1.32  # line height as a multiple of the caption font size
_SHOT_SIZE = {"establishing": "WIDE", "action": "MEDIUM", "dialogue": "CLOSE"}
_MOVES = {"push_in": "PUSH IN", "pull_out": "PULL OUT", "pan_left": "PAN LEFT", "pan_right": "PAN RIGHT"}
_TAG_FILL: Color = (40, 42, 52)  # the tag's pill, a step lighter than the header bar


# --------------------------------------------------------------------------- #
# Bands
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class _Layout:
    unit: float  # 720 for 1280x720 (the 16:9 height that fits); every size derives from it
    top: int
    bottom: int
    caption_size: int


def _even(x: float) -> int:
    return 2 * int(x / 2 + 0.5)


def _layout(width: int, height: int) -> _Layout:
    unit = float(min(height, width * 9 / 16))
    header = float(max(8, round(unit * 0.072)))
    cap_size = float(max(7, round(unit * 0.036)))
    caption = cap_size * (_CAPTION_LEADING * _CAPTION_LINES + 1.5)
    if header + caption > height / 2:  # tiny frames: shrink the bars so the picture keeps half the height
        k = height / 2 / (header + caption)
        header, caption, cap_size = header * k, caption * k, cap_size * k
    if height < 2:  # one row cannot be split into even bands: all picture
        return _Layout(unit, 0, height, round(cap_size))
    even_h = height - height % 2  # even edges: yuv420p crops and scales in 2x2 blocks
    top = min(_even(header), even_h - 2)
    bottom = min(max(_even(height - caption), top + 2), even_h)
    return _Layout(unit, top, bottom, round(cap_size))


def picture_band(width: int, height: int) -> tuple[int, int]:
    """(top, bottom): the rows of the moving picture between the header bar and the caption box.
    Both even numbers (yuv420p), 0 <= top < bottom <= height. Rows [0, top) are the header bar and
    rows [bottom, height) the caption box; nothing of the picture is drawn there.
    (A frame 1 px high cannot be split and is all picture: (0, 1).)"""
    w, h = int(width), int(height)
    if w <= 0 or h <= 0:
        raise ValueError(f"storyboard size must be positive, got {width}x{height}")
    lay = _layout(w, h)
    return lay.top, lay.bottom


# --------------------------------------------------------------------------- #
# Header bar: heading, camera tag, shot code
# --------------------------------------------------------------------------- #
def _header(w: int, hh: int, heading: str, code: str, stype: str, move: str) -> Image.Image:
    img = Image.new("RGB", (w, hh), INK)
    draw = ImageDraw.Draw(img)
    rule = max(1, hh // 18)
    draw.rectangle((0, hh - rule, w, hh), fill=AMBER)  # amber underline: the bar's last rows
    size, pad = max(6, round(hh * 0.44)), hh * 0.36
    font, bold = st.font(size, st.SEMIBOLD), st.font(size, st.BOLD)
    mid = (hh - rule) / 2
    base = mid + st.cap_height(font) / 2
    code = st.fit(code, bold, w * 0.4)
    right = w - pad
    if code:
        right -= st.text_width(code, bold)
        st.draw_text(draw, right, base, code, bold, AMBER)
        right -= pad
    right = _camera_tag(draw, right, mid, max(6, round(hh * 0.3)), stype, move, max_w=(right - pad) * 0.5)
    st.draw_text(draw, pad, base, st.fit(heading, font, right - 2 * pad), font, PAPER)
    return img


def _camera_tag(
    draw: ImageDraw.ImageDraw, right: float, cy: float, size: int, stype: str, move: str, max_w: float
) -> float:
    """Pill with the shot size and camera move ending at ``right``, vertically centred on ``cy``.
    Left out when wider than ``max_w`` (the heading matters more). Returns the x where it starts."""
    parts = [p for p in (_SHOT_SIZE.get(stype, ""), _MOVES.get(move, "")) if p]
    if not parts:
        return right
    font = st.font(size, st.SEMIBOLD)
    text = " \u00b7 ".join(parts)
    g = size * 1.1 if move in _MOVES else 0  # glyph box
    pad = size * 0.6
    gw = g + pad * 0.7 if g else 0
    bw, bh = st.text_width(text, font) + 2 * pad + gw, size * 1.7
    if bw > max_w:
        return right
    x0, y0 = right - bw, cy - bh / 2
    draw.rounded_rectangle((x0, y0, right, y0 + bh), radius=bh * 0.3, fill=_TAG_FILL)
    if g:
        _move_glyph(draw, x0 + pad + g / 2, cy, g, move, max(1, size // 8))
    st.draw_text(draw, x0 + pad + gw, cy + st.cap_height(font) / 2, text, font, PAPER)
    return x0


def _move_glyph(draw: ImageDraw.ImageDraw, cx: float, cy: float, g: float, move: str, lw: int) -> None:
    """Pan: an arrow. Push in: arrows pointing at a small frame. Pull out: pointing away."""
    a = g * 0.22
    if move.startswith("pan"):
        d = 1 if move == "pan_right" else -1
        draw.line((cx - d * g / 2, cy, cx + d * (g / 2 - a), cy), fill=AMBER, width=lw * 2)
        draw.polygon(
            [
                (cx + d * g / 2, cy),
                (cx + d * (g / 2 - a * 1.6), cy - a * 1.2),
                (cx + d * (g / 2 - a * 1.6), cy + a * 1.2),
            ],
            fill=AMBER,
        )
        return
    q = g * 0.16
    draw.rectangle((cx - q, cy - q, cx + q, cy + q), fill=AMBER)
    for d in (-1, 1):
        near, far = cx + d * q * 1.6, cx + d * g / 2
        tip, back = (near, far) if move == "push_in" else (far, near)
        draw.polygon([(tip, cy), (back, cy - a * 1.3), (back, cy + a * 1.3)], fill=AMBER)


# --------------------------------------------------------------------------- #
# Caption box
# --------------------------------------------------------------------------- #
def _speaker(caption: str, characters: list[str]) -> tuple[str, Color] | None:
    """("MARTA:", colour) when the caption starts with a present character's name and a colon."""
    if ":" not in caption or not characters:
        return None
    name = characters[speaker_index(characters, caption)]
    if not caption.upper().startswith(name.upper()):
        return None
    return st.clean(caption.split(":", 1)[0] + ":"), sp.mix(sp.character_colors(name)[0], PAPER, 0.3)


def _caption_box(w: int, ch: int, caption: str, size: int, speaker: tuple[str, Color] | None) -> Image.Image:
    img = Image.new("RGB", (w, ch), INK)
    draw = ImageDraw.Draw(img)
    font, pad = st.font(size, st.SEMIBOLD), max(4.0, size * 0.9)
    lh = size * _CAPTION_LEADING
    lines = st.wrap(caption, font, w - 2 * pad, _CAPTION_LINES)
    cap = st.cap_height(font)
    base = (ch - (len(lines) - 1) * lh - cap) / 2 + cap  # the block of capitals centred in the box
    for i, line in enumerate(lines):
        x, y = pad, base + i * lh
        if i == 0 and speaker and line.upper().startswith(speaker[0].upper()):
            x = st.draw_text(draw, x, y, line[: len(speaker[0])], font, speaker[1])
            line = line[len(speaker[0]) :]
        st.draw_text(draw, x, y, line, font, PAPER)
    return img


# --------------------------------------------------------------------------- #
# Picture: a composed scene, or a title card
# --------------------------------------------------------------------------- #
def _scene(shot: Mapping[str, object], stype: str, w: int, sh: int, unit: float) -> Image.Image:
    loc = sp.normalize_key(str(shot.get("location", "")))
    mode = scene_mode(str(shot.get("int_ext", "")), loc)
    tod = sp.normalize_time(str(shot.get("time_of_day", "")))
    bg, ground = background(mode, loc, tod, w, sh, stype == "dialogue")
    img = bg.copy()  # the background is cached and shared
    draw_figures(img, shot, ground, unit)
    return img


def _card(w: int, sh: int, caption: str, unit: float, centre_y: float) -> Image.Image:
    """Title card: the caption in the largest type that shows it whole, between two amber rules,
    centred on ``centre_y`` as far as the picture's height allows."""
    img = Image.new("RGB", (w, sh), CARD)
    draw = ImageDraw.Draw(img)
    size = max(8, round(unit * 0.13))
    while True:  # largest type that shows the whole caption (on 2 lines if it can)
        font = st.font(size, st.BOLD)
        lines = st.wrap(caption, font, w * 0.84, 3)
        lh, cap = size * 1.25, st.cap_height(font)
        block = (len(lines) - 1) * lh + cap
        whole = " ".join(lines) == st.clean(caption) and (len(lines) <= 2 or size <= unit * 0.07)
        if size <= 10 or (whole and block + size * 2.6 <= sh):
            break
        size = int(size * 0.85)
    if not lines:
        return img
    ry, gap = max(1, round(unit * 0.004)), size * 0.6  # rule thickness, rule-to-text gap
    margin = gap + ry + 1
    y_top = min(max(centre_y - block / 2, margin), sh - margin - block)
    base = y_top + cap
    for i, line in enumerate(lines):
        st.draw_text(draw, (w - st.text_width(line, font)) / 2, base + i * lh, line, font, PAPER)
    rule_w = w * 0.08
    for y in (y_top - gap - ry, base + (len(lines) - 1) * lh + gap):
        draw.rectangle((w / 2 - rule_w, y, w / 2 + rule_w, y + ry), fill=AMBER)
    return img


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #
def draw_storyboard(shot: Mapping[str, object], width: int, height: int) -> Image.Image:
    """Return an RGB image of exactly (width, height); see ``picture_band`` for its three bands."""
    w, h = int(width), int(height)
    if w <= 0 or h <= 0:
        raise ValueError(f"storyboard size must be positive, got {width}x{height}")
    lay = _layout(w, h)
    top, bottom = lay.top, lay.bottom
    stype = str(shot.get("shot_type", "")).lower()
    caption = " ".join(str(shot.get("caption", "")).split())
    img = Image.new("RGB", (w, h), INK)
    if stype == "card":
        # the caption box is left blank in the card's colour, so the card reads as one slate under
        # the header and its title sits in the middle of that slate
        img.paste(_card(w, bottom - top, caption, lay.unit, centre_y=(h - top) / 2), (0, top))
        img.paste(CARD, (0, bottom, w, h))
    else:
        img.paste(_scene(shot, stype, w, bottom - top, lay.unit), (0, top))
        chars = [str(c) for c in (shot.get("characters") or [])]  # type: ignore[union-attr]
        if bottom < h:
            img.paste(_caption_box(w, h - bottom, caption, lay.caption_size, _speaker(caption, chars)), (0, bottom))
    if top:
        heading = str(shot.get("scene_heading", "")).strip() or str(shot.get("location", ""))
        img.paste(
            _header(
                w, top, " ".join(heading.split()), str(shot.get("code", "")), stype, str(shot.get("camera_move", ""))
            ),
            (0, 0),
        )
    return img
