"""Storyboard figures: one simple mannequin per character, with a name label.

Colours come from ``character_colors(name)`` so a character looks the same in
every shot. Placement depends on the shot type: dialogue frames the speaker big
in the foreground, establishing shots show small figures standing on the
ground, other shots a medium group. The seed only adds small jitter.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from PIL import Image, ImageDraw

from film_assets.domain.storyboard import palette as sp
from film_assets.domain.storyboard import text as st
from film_assets.domain.storyboard.palette import AMBER, INK, OUTLINE, PAPER, Color

__all__ = ["MAX_FIGURES", "draw_figures", "speaker_index"]

MAX_FIGURES = 5  # more would be unreadable; the rest are summed up as a "+N" badge


def _figure(
    draw: ImageDraw.ImageDraw,
    cx: float,
    feet: float,
    h: float,
    name: str,
    facing: int,
    shadow: Color | None,
    talking: bool = False,
) -> None:
    """A simple mannequin: head + hair, torso, arms, legs; colours stable per name."""
    body, skin, hair = sp.character_colors(name)
    dark, legs = sp.scale(body, 0.78), sp.mix(body, (30, 32, 40), 0.62)
    ow = max(1, round(h * 0.007))
    top, r = feet - h, h * 0.095
    sy, hip = top + 0.205 * h, top + 0.53 * h
    if shadow is not None:
        draw.ellipse(sp.box(cx - 0.17 * h, feet - 0.02 * h, cx + 0.17 * h, feet + 0.02 * h), fill=shadow)
    for sx in (-1, 1):
        draw.rectangle(
            sp.box(cx + sx * 0.012 * h, hip - 0.02 * h, cx + sx * 0.092 * h, feet), fill=legs, outline=OUTLINE, width=ow
        )
        draw.ellipse(sp.box(cx + sx * 0.005 * h, feet - 0.03 * h, cx + sx * 0.11 * h, feet + 0.008 * h), fill=OUTLINE)
        draw.polygon(
            [
                (cx + sx * 0.1 * h, sy + 0.02 * h),
                (cx + sx * 0.152 * h, sy + 0.03 * h),
                (cx + sx * 0.19 * h, sy + 0.3 * h),
                (cx + sx * 0.14 * h, sy + 0.31 * h),
            ],
            fill=dark,
            outline=OUTLINE,
            width=ow,
        )
        hx, hy, hr = cx + sx * 0.165 * h, sy + 0.32 * h, 0.03 * h
        draw.ellipse(sp.box(hx - hr, hy - hr, hx + hr, hy + hr), fill=skin, outline=OUTLINE, width=ow)
    draw.rectangle(
        sp.box(cx - 0.035 * h, top + 1.6 * r, cx + 0.035 * h, sy + 0.02 * h), fill=skin, outline=OUTLINE, width=ow
    )
    k = [(0.085, 0.0), (0.118, 0.01), (0.132, 0.04), (0.1, 0.335)]
    pts = [(cx + x * h, sy + y * h) for x, y in k] + [(cx - x * h, sy + y * h) for x, y in reversed(k)]
    draw.polygon(pts, fill=body, outline=OUTLINE, width=ow)
    draw.polygon([(cx - 0.04 * h, sy), (cx + 0.04 * h, sy), (cx, sy + 0.055 * h)], fill=skin, outline=OUTLINE, width=ow)
    draw.ellipse(sp.box(cx - r, top, cx + r, top + 2 * r), fill=skin, outline=OUTLINE, width=ow)
    draw.chord(
        sp.box(cx - r * 1.05, top - r * 0.08, cx + r * 1.05, top + r * 1.45),
        180,
        360,
        fill=hair,
        outline=OUTLINE,
        width=ow,
    )
    if r >= 7:  # eyes (and a mouth when big enough), looking towards `facing`
        er, ey, fx = max(1.0, r * 0.085), top + r * 1.05, cx + facing * 0.28 * r
        for ex in (-0.32, 0.32):
            draw.ellipse((fx + ex * r - er, ey - er, fx + ex * r + er, ey + er), fill=OUTLINE)
        if r >= 14:
            my = top + r * 1.5
            if talking:
                draw.ellipse(
                    (fx - r * 0.12, my - r * 0.07, fx + r * 0.12, my + r * 0.1),
                    fill=(120, 50, 50),
                    outline=OUTLINE,
                    width=ow,
                )
            else:
                draw.line((fx - r * 0.13, my, fx + r * 0.13, my), fill=OUTLINE, width=ow)


def _label(draw: ImageDraw.ImageDraw, cx: float, y: float, text: str, size: int, accent: Color, w: int) -> None:
    """Name pill centred under (cx, y), kept inside the frame's width."""
    f = st.font(size, st.SEMIBOLD)
    text = st.fit(text, f, w * 0.3)
    tw, pad = st.text_width(text, f), size * 0.45
    bw, bh = tw + 2 * pad, size * 1.6
    x0 = min(max(2.0, cx - bw / 2), w - bw - 2)
    draw.rounded_rectangle((x0, y, x0 + bw, y + bh), radius=bh / 2, fill=INK, outline=accent, width=max(1, size // 8))
    st.draw_text(draw, x0 + pad, y + (bh + st.cap_height(f)) / 2, text, f, PAPER)


def speaker_index(characters: Sequence[str], caption: str) -> int:
    """Index of the character named before the caption's colon ("MARTA: ..."), else 0."""
    head = sp.normalize_key(caption.split(":", 1)[0]) if ":" in caption else ""
    for i, c in enumerate(characters):
        if head and sp.normalize_key(c) == head.split(" (")[0]:
            return i
    return 0


# (x fraction, feet y px, height px, facing, label size px, name) per figure
_Placement = tuple[float, float, float, int, int, str]


def _dialogue(shown: list[str], caption: str, sh: int, unit: float) -> list[_Placement]:
    """Speaker big in the foreground, the listener over the shoulder, others small behind."""
    figs: list[_Placement] = []
    sp_i = speaker_index(shown, caption)
    others = [c for i, c in enumerate(shown) if i != sp_i]
    back = [(0.9, 0.86), (0.1, 0.86), (0.62, 0.78)]
    for (fx, hf), name in zip(back, others[1:]):
        figs.append((fx, sh * 0.22 + sh * hf, sh * hf, 0, round(unit * 0.026), name))
    if others:
        figs.append((0.72, sh * 1.2, sh * 0.98, -1, round(unit * 0.03), others[0]))
    figs.append((0.36 if others else 0.46, sh * 1.36, sh * 1.26, 1 if others else 0, round(unit * 0.032), shown[sp_i]))
    return figs


def _group(shown: list[str], wide: bool, rng: random.Random, sh: int, ground: float, unit: float) -> list[_Placement]:
    """A row of figures: small on the ground for wide shots, medium otherwise; back to front."""
    n = len(shown)
    hf = 0.28 if wide else 0.56
    spacing = _spacing(n, wide)
    feet_base = ground if wide else sh * 0.97
    figs: list[_Placement] = []
    for i, name in enumerate(shown):
        fx = 0.5 + (i - (n - 1) / 2) * spacing + rng.uniform(-0.015, 0.015)
        fy = feet_base + rng.uniform(-0.02, 0.02) * sh
        fh = sh * hf * rng.uniform(0.94, 1.04)
        figs.append((fx, fy, fh, 0, round(unit * (0.025 if wide else 0.027)), name))
    figs.sort(key=lambda f: f[1])
    return figs


def _spacing(n: int, wide: bool) -> float:
    return min(0.13 if wide else 0.19, 0.82 / n)


def draw_figures(img: Image.Image, shot: Mapping[str, object], ground: float, unit: float) -> None:
    """Draw the shot's characters onto the picture ``img`` (figures may run off its bottom edge)."""
    chars = [str(c) for c in (shot.get("characters") or [])]  # type: ignore[union-attr]
    if not chars:
        return
    w, sh = img.size
    stype = str(shot.get("shot_type", ""))
    rng = random.Random(int(shot.get("seed", 0)))  # type: ignore[call-overload]
    shown, extra = chars[:MAX_FIGURES], len(chars) - MAX_FIGURES
    if stype == "dialogue":
        figs = _dialogue(shown, str(shot.get("caption", "")), sh, unit)
        max_h = w * 1.4
    else:
        figs = _group(shown, stype == "establishing", rng, sh, ground, unit)
        max_h = w * _spacing(len(shown), stype == "establishing") * 2.2  # neighbours must not overlap
    draw = ImageDraw.Draw(img)
    labels = []
    for fig in figs:
        fx, feet, fh, facing, ls, name = fig
        fh = min(fh, max_h)
        cx = w * fx
        shadow = None
        if feet < sh - 1:  # feet visible: shadow in a darker shade of the ground under them
            g = img.getpixel((int(min(max(cx, 0), w - 1)), int(feet)))
            shadow = sp.scale(g[:3], 0.62)  # type: ignore[index]
        _figure(draw, cx, feet, fh, name, facing, shadow, talking=stype == "dialogue" and fig is figs[-1])
        ly = min(feet + fh * 0.04, sh - ls * 1.6 - unit * 0.012)
        labels.append((cx, ly, name, max(9, ls)))
    for cx, ly, name, ls in labels:  # labels last so bodies never hide them
        _label(draw, cx, ly, name, ls, sp.character_colors(name)[0], w)
    if extra > 0:
        _label(draw, w * 0.955, sh - unit * 0.06, f"+{extra}", max(8, round(unit * 0.03)), AMBER, w)
