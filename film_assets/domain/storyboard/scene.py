"""Storyboard backgrounds: interiors, exteriors, and the view out of a doorway.

A background depends only on (mode, location, time of day, size, soft focus) --
never on the shot's seed, characters or caption -- so every shot in one place
shows the same room or street, and ``background`` can cache it. Variation comes
from ``storyboard_palette`` digests of the location name. Outdoor drawing lives
in ``storyboard_exterior``; this module adds the one-point-perspective rooms.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter

from film_assets.domain.storyboard import palette as sp
from film_assets.domain.storyboard.exterior import draw_exterior, glow
from film_assets.domain.storyboard.palette import Palette

__all__ = ["background", "scene_mode"]


_INTERIOR_WORDS = (
    "ROOM",
    "KITCHEN",
    "OFFICE",
    "HALL",
    "BAR",
    "DINER",
    "APARTMENT",
    "HOUSE",
    "CAR",
    "CORRIDOR",
    "LOBBY",
    "STUDIO",
    "CLASSROOM",
    "CABIN",
    "WARD",
)


def scene_mode(int_ext: str, location: str) -> str:
    """ "int", "ext", "est" (wide exterior) or "intext"; a missing INT/EXT is guessed from the place."""
    ie = sp.normalize_key(int_ext).replace(" ", "")
    if ("INT" in ie and "EXT" in ie) or ie == "I/E":
        return "intext"
    if ie.startswith("INT"):
        return "int"
    if ie.startswith("EST"):
        return "est"
    if ie.startswith("EXT"):
        return "ext"
    return "int" if any(w in sp.normalize_key(location) for w in _INTERIOR_WORDS) else "ext"


# --------------------------------------------------------------------------- #
# Interiors
# --------------------------------------------------------------------------- #
def _window_view(img: Image.Image, box: tuple[int, int, int, int], loc: str, pal: Palette) -> None:
    x0, y0, x1, y1 = box
    ww, wh = x1 - x0, y1 - y0
    if ww < 4 or wh < 4:
        return
    view = Image.new("RGB", (ww, wh))
    draw_exterior(view, loc, pal, wide=True)
    img.paste(view, (x0, y0))


def _interior(img: Image.Image, loc: str, pal: Palette) -> float:
    """One-point-perspective room. Returns the y of the back wall's floor line."""
    w, h = img.size
    st = sp.interior_style(loc)
    ic = lambda c: sp.interior_color(c, pal)  # noqa: E731
    wall, floor = ic(st.wall), ic(st.floor)
    bx0, bx1, by0, by1 = w * 0.2, w * 0.8, h * 0.1, h * 0.66
    vx, vy = w * 0.5, h * 0.4
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, h), fill=floor)
    k = vx / (vx - bx0)  # side floor edges meet the frame edge at y = vy + (by1 - vy) * k
    yl, yt = vy + (by1 - vy) * k, vy + (by0 - vy) * k
    draw.polygon([(0, yt), (w, yt), (bx1, by0), (bx0, by0)], fill=sp.scale(wall, 0.78))  # ceiling
    draw.polygon([(0, yt), (bx0, by0), (bx0, by1), (0, yl)], fill=sp.scale(wall, 0.86))
    draw.polygon([(w, yt), (bx1, by0), (bx1, by1), (w, yl)], fill=sp.scale(wall, 0.9))
    draw.rectangle((0, 0, w, max(0, yt)), fill=sp.scale(wall, 0.78))
    draw.rectangle(sp.box(bx0, by0, bx1, by1), fill=wall)
    lw = max(1, h // 240)
    line = sp.mix(floor, (0, 0, 0), 0.22)
    nl = {"wood": 14, "tile": 9, "carpet": 0}[st.floor_kind]
    for i in range(1, nl):  # boards / tile joints converge on the vanishing point
        px = bx0 + (bx1 - bx0) * i / nl
        t = (h - vy) / (by1 - vy)
        draw.line((px, by1, vx + (px - vx) * t, h), fill=line, width=lw)
    if st.floor_kind == "tile":
        for i in range(1, 12):
            y = vy + (by1 - vy) * (1 + i * 0.4)
            if y >= h:
                break
            xe = vx + (bx0 - vx) * (y - vy) / (by1 - vy)
            draw.line((max(0, xe), y, min(w, w - xe), y), fill=line, width=lw)
    elif st.floor_kind == "carpet":
        ry0, ry1 = by1 + (h - by1) * 0.25, h * 0.98
        draw.polygon(
            [(w * 0.32, ry0), (w * 0.68, ry0), (w * 0.78, ry1), (w * 0.22, ry1)],
            fill=sp.mix(floor, ic((200, 170, 120)), 0.35),
        )
    draw.rectangle(sp.box(bx0, by1 - h * 0.018, bx1, by1), fill=sp.scale(wall, 0.7))  # skirting
    for ex in (bx0, bx1):  # room corners
        draw.line((ex, by0, ex, by1), fill=sp.scale(wall, 0.7), width=lw)
    _window(img, draw, loc, pal, st, (bx0, by0, bx1, by1))
    if st.door_side:
        _door(draw, pal, st, (bx0, by0, bx1, by1), (yt, yl), (w, h))
    _pendant_lamp(img, draw, pal, st)
    return by1


def _window(
    img: Image.Image,
    draw: ImageDraw.ImageDraw,
    loc: str,
    pal: Palette,
    st: sp.InteriorStyle,
    back: tuple[float, float, float, float],
) -> None:
    """Window on the back wall with the outside view, frame, sill, curtains (and a picture opposite)."""
    bx0, by0, bx1, by1 = back
    h = img.height
    ic = lambda c: sp.interior_color(c, pal)  # noqa: E731
    cw = (bx1 - bx0) * st.window_w
    cx = bx0 + (bx1 - bx0) * st.window_x
    wy0, wy1 = by0 + (by1 - by0) * 0.14, by0 + (by1 - by0) * 0.62
    wb = (int(cx - cw / 2), int(wy0), int(cx + cw / 2), int(wy1))
    _window_view(img, wb, loc, pal)
    frame = ic((236, 232, 222))
    fw = max(2, int(h * 0.012))
    draw.rectangle(wb, outline=frame, width=fw)
    draw.line((cx, wy0, cx, wy1), fill=frame, width=fw)
    draw.line((wb[0], (wy0 + wy1) / 2, wb[2], (wy0 + wy1) / 2), fill=frame, width=max(1, fw // 2))
    draw.rectangle(sp.box(wb[0] - fw * 2, wy1, wb[2] + fw * 2, wy1 + fw * 1.6), fill=sp.scale(frame, 0.85))
    curtain = ic(sp.character_colors("curtain " + loc)[0])
    for side in (-1, 1):
        ex = cx + side * cw / 2
        draw.polygon(
            [
                (ex - side * cw * 0.02, wy0 - fw * 2),
                (ex + side * cw * 0.16, wy0 - fw * 2),
                (ex + side * cw * 0.12, wy1 + fw * 3),
                (ex - side * cw * 0.06, wy1 + fw * 3),
            ],
            fill=curtain,
        )
    draw.line((wb[0] - cw * 0.2, wy0 - fw * 2, wb[2] + cw * 0.2, wy0 - fw * 2), fill=sp.scale(curtain, 0.6), width=fw)
    if st.picture:
        px = bx0 + (bx1 - bx0) * (1 - st.window_x)
        pw, ph = (bx1 - bx0) * 0.14, (by1 - by0) * 0.22
        pb = sp.box(px - pw / 2, wy0 + ph * 0.3, px + pw / 2, wy0 + ph * 1.3)
        draw.rectangle(pb, fill=ic(sp.character_colors("art " + loc)[0]), outline=ic((70, 54, 40)), width=fw)


def _door(
    draw: ImageDraw.ImageDraw,
    pal: Palette,
    st: sp.InteriorStyle,
    back: tuple[float, float, float, float],
    side_wall: tuple[float, float],
    size: tuple[int, int],
) -> None:
    """Door on a side wall, in perspective; side_wall is (top, bottom) of that wall at the frame edge."""
    bx0, by0, bx1, by1 = back
    yt, yl = side_wall
    ic = lambda c: sp.interior_color(c, pal)  # noqa: E731
    wall = ic(st.wall)
    w, h = size
    ex = bx0 if st.door_side < 0 else bx1
    edge = 0 if st.door_side < 0 else w
    pts = []
    for t, up in ((0.3, False), (0.3, True), (0.62, True), (0.62, False)):
        x = edge + (ex - edge) * t
        yb = yl + (by1 - yl) * t
        ytop = yt + (by0 - yt) * t
        pts.append((x, yb - (yb - ytop) * 0.78 if up else yb))
    draw.polygon(pts, fill=ic((120, 84, 58)), outline=sp.scale(wall, 0.6))
    kx, ky = pts[0][0] + (pts[3][0] - pts[0][0]) * 0.8, (pts[0][1] + pts[1][1]) / 2
    kr = max(1.5, h * 0.008)
    draw.ellipse((kx - kr, ky - kr, kx + kr, ky + kr), fill=ic((220, 190, 110)))


def _pendant_lamp(img: Image.Image, draw: ImageDraw.ImageDraw, pal: Palette, st: sp.InteriorStyle) -> None:
    """Lamp hanging from the ceiling, glowing when the palette has lamps on."""
    w, h = img.size
    wall = sp.interior_color(st.wall, pal)
    ic = lambda c: sp.interior_color(c, pal)  # noqa: E731
    lx, ly = w * st.lamp_x, h * 0.22
    sw = w * 0.045
    draw.line((lx, 0, lx, ly), fill=sp.scale(wall, 0.45), width=max(1, h // 300))
    if pal.lamp_on:
        glow(img, lx, ly + h * 0.05, h * 0.9, (255, 190, 110), 0.62)
        draw = ImageDraw.Draw(img)
        draw.ellipse((lx - sw * 0.45, ly + h * 0.03, lx + sw * 0.45, ly + h * 0.075), fill=(255, 240, 200))
    draw.polygon(
        [(lx - sw * 0.3, ly), (lx + sw * 0.3, ly), (lx + sw * 0.6, ly + h * 0.055), (lx - sw * 0.6, ly + h * 0.055)],
        fill=(250, 214, 150) if pal.lamp_on else ic((60, 70, 66)),
    )


def _doorway(img: Image.Image, loc: str, pal: Palette) -> None:
    """Wall jambs, lintel and floor of the room we look out from (INT./EXT. shots)."""
    w, h = img.size
    st = sp.interior_style(loc)
    wall = sp.interior_color(st.wall, pal)
    draw = ImageDraw.Draw(img)
    jamb, lintel = w * 0.13, h * 0.12
    draw.rectangle((0, 0, w, lintel), fill=sp.scale(wall, 0.85))
    draw.polygon([(0, 0), (jamb, lintel), (jamb, h * 0.86), (0, h)], fill=wall)
    draw.polygon([(w, 0), (w - jamb, lintel), (w - jamb, h * 0.86), (w, h)], fill=sp.scale(wall, 0.92))
    draw.polygon([(jamb, h * 0.86), (w - jamb, h * 0.86), (w, h), (0, h)], fill=sp.interior_color(st.floor, pal))


@lru_cache(maxsize=8)
def background(mode: str, loc: str, tod: str, w: int, h: int, soft: bool) -> tuple[Image.Image, float]:
    """Scene background and the y where figures stand on the ground/floor."""
    pal = sp.PALETTES[tod]
    img = Image.new("RGB", (w, h))
    if mode == "int":
        floor_y = _interior(img, loc, pal)
        ground = floor_y + (h - floor_y) * 0.5
    else:
        horizon = draw_exterior(img, loc, pal, wide=mode == "est")
        ground = horizon + (h - horizon) * 0.72
        if mode == "intext":  # looking out from inside
            _doorway(img, loc, pal)
            ground = h * 0.93
    if soft:  # dialogue: shallow focus so the speaker pops
        img = img.filter(ImageFilter.BoxBlur(max(1, round(min(w, h * 16 / 9) / 400))))
    return img, ground
