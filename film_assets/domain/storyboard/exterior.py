"""Storyboard exteriors: sky gradient, sun or moon, stars, clouds and one skyline per kind of place.

``draw_exterior`` is used for outdoor shots and for the view through an
interior's window. All variation comes from ``stable_rng`` digests of the
location name, so a place looks the same in every shot; the establishing (wide)
and ordinary views of a place share one skyline and differ only in the horizon.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from film_assets.domain.storyboard import palette as sp
from film_assets.domain.storyboard.palette import Color, Palette

__all__ = ["draw_exterior", "glow"]

_LIT_WINDOW: Color = (255, 212, 128)


# --------------------------------------------------------------------------- #
# Light and gradients
# --------------------------------------------------------------------------- #
def _gradient(w: int, h: int, stops: Sequence[tuple[float, Color]]) -> Image.Image:
    """Vertical multi-stop gradient; stop positions are in pixels."""
    ys = np.arange(h, dtype=np.float64) + 0.5
    pos = [p for p, _ in stops]
    cols = np.stack([np.interp(ys, pos, [c[i] for _, c in stops]) for i in range(3)], axis=1)
    row = np.rint(cols).astype(np.uint8)[:, None, :]
    return Image.fromarray(np.ascontiguousarray(np.broadcast_to(row, (h, w, 3))))


def glow(img: Image.Image, cx: float, cy: float, radius: float, color: Color, strength: float) -> None:
    """Additive radial light falloff around (cx, cy), in place."""
    x0, y0 = max(0, int(cx - radius)), max(0, int(cy - radius))
    x1, y1 = min(img.width, int(cx + radius) + 1), min(img.height, int(cy + radius) + 1)
    if x1 <= x0 or y1 <= y0 or radius < 1:
        return
    arr = np.asarray(img.crop((x0, y0, x1, y1)), dtype=np.float32)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    fall = np.clip(1.0 - np.hypot(xx - cx, yy - cy) / radius, 0.0, 1.0) ** 2 * strength
    arr += fall[..., None] * np.asarray(color, dtype=np.float32)
    img.paste(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), (x0, y0))


def _light(draw: ImageDraw.ImageDraw, pal: Palette, cx: float, cy: float, r: float, sky: Color) -> None:
    """Sun disc or crescent moon."""
    if not pal.light or r < 1:
        return
    draw.ellipse(sp.box(cx - r, cy - r, cx + r, cy + r), fill=pal.light_color)
    if pal.light == "moon":
        o = r * 0.45
        draw.ellipse(sp.box(cx - r + o, cy - r - o * 0.5, cx + r + o, cy + r - o * 0.5), fill=sky)


# --------------------------------------------------------------------------- #
# Exteriors: sky, then one skyline per kind of place
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class _Land:
    """What a skyline needs to know about the sky already drawn behind it."""

    draw: ImageDraw.ImageDraw
    rng: random.Random  # the location's RNG, shared with the sky so its sequence stays stable
    w: int
    h: int
    hz: float  # horizon y
    pal: Palette
    loc: str
    far: Color  # far silhouette layer
    near: Color  # near silhouette layer
    far_g: Color  # far ground (water for the sea)
    near_g: Color  # near ground
    light: tuple[float, float]  # sun / moon (x, radius), for reflections on water


def draw_exterior(img: Image.Image, loc: str, pal: Palette, wide: bool) -> float:
    """Draw sky, light, skyline and ground. Returns the horizon y."""
    w, h = img.size
    rng = sp.stable_rng("exterior", loc)
    kind = sp.exterior_kind(loc)
    jitter = rng.random()  # always drawn, so EST and EXT of a place share one skyline
    horizon = h * (0.6 if wide else 0.5 + jitter * 0.08)
    sky0, sky1, sky2 = pal.sky
    near_g, far_g = (sp.grade(c, pal) for c in sp.GROUND[kind])
    far_g = sp.mix(far_g, sky2, pal.haze * 0.5)
    stops: list[tuple[float, Color]] = [(0, sky0), (horizon * 0.55, sky1), (horizon, sky2)]
    if kind == "sea":
        shore = horizon + (h - horizon) * 0.55
        stops += [
            (horizon + 0.01, far_g),
            (shore, sp.mix(far_g, (0, 0, 0), 0.25)),
            (shore + 0.01, sp.mix(near_g, sky2, 0.2)),
            (h, near_g),
        ]
    else:
        stops += [(horizon + 0.01, far_g), (h, near_g)]
    img.paste(_gradient(w, h, stops))
    lx, ly, lr = pal.light_pos[0] * w, pal.light_pos[1] * horizon, pal.light_size * h
    if pal.light:
        glow(img, lx, ly, lr * (7 if pal.light == "sun" else 4), pal.light_color, 0.55 if pal.light == "sun" else 0.25)
    draw = ImageDraw.Draw(img)
    _stars(draw, loc, pal, w, h, horizon)
    _light(draw, pal, lx, ly, lr, sp.mix(sky1, sky2, ly / max(horizon, 1)))
    _clouds(draw, loc, pal, w, h, horizon, (lx, ly, lr))
    near = sp.grade(sp.SILHOUETTE[kind][1], pal)
    far = sp.mix(sp.grade(sp.SILHOUETTE[kind][0], pal), sky2, pal.haze)
    land = _Land(draw, rng, w, h, horizon, pal, loc, far=far, near=near, far_g=far_g, near_g=near_g, light=(lx, lr))
    _SKYLINES[kind](land)
    return horizon


def _stars(draw: ImageDraw.ImageDraw, loc: str, pal: Palette, w: int, h: int, horizon: float) -> None:
    srng = sp.stable_rng("stars", loc)
    for _ in range(int(w * horizon / 2600)):
        sx, sy, big = srng.random() * w, srng.random() * horizon * 0.85, srng.random()
        if pal.stars:
            s = max(1.0, h * (0.004 if big > 0.9 else 0.0022))
            draw.ellipse((sx, sy, sx + s, sy + s), fill=sp.mix(pal.sky[1], (255, 255, 240), 0.35 + big * 0.6))


def _clouds(
    draw: ImageDraw.ImageDraw, loc: str, pal: Palette, w: int, h: int, horizon: float, light: tuple[float, float, float]
) -> None:
    lx, ly, lr = light
    sky1 = pal.sky[1]
    crng = sp.stable_rng("clouds", loc)
    if pal.light == "sun":
        cloud = sp.mix(sky1, (250, 250, 252), 0.75)
    else:
        cloud = sp.mix(sky1, (110, 118, 140), 0.75 if pal.light else 0.3)
    if pal.light == "sun" and pal.light_pos[1] > 0.8:  # low sun: clouds catch its colour
        cloud = sp.mix(sky1, pal.light_color, 0.55)
    for _ in range(crng.randint(2, 4) + (4 if not pal.light else 0)):
        ccx, ccy, cs = crng.random() * w, horizon * crng.uniform(0.12, 0.55), h * crng.uniform(0.035, 0.06)
        puffs = [(crng.uniform(-1.1, 1.1) * cs, cs * crng.uniform(0.45, 0.8)) for _ in range(3)]
        if pal.light and math.hypot(ccx - lx, ccy - ly) < lr * 3 + cs * 2:
            continue  # keep the sun / moon clear
        draw.rounded_rectangle(
            sp.box(ccx - cs * 1.6, ccy - cs * 0.35, ccx + cs * 1.6, ccy + cs * 0.35), radius=cs * 0.35, fill=cloud
        )
        for ox, rr in puffs:
            draw.ellipse(sp.box(ccx + ox - rr, ccy - rr * 1.3, ccx + ox + rr, ccy + rr * 0.7), fill=cloud)


def _city(land: _Land) -> None:
    """Two layers of blocks with lit / dark windows, and a kerb."""
    draw, rng, w, h, hz, pal = land.draw, land.rng, land.w, land.h, land.hz, land.pal
    far, near, near_g = land.far, land.near, land.near_g
    lit, dark_win = _LIT_WINDOW, sp.mix(near, pal.sky[1], 0.45)
    for layer, (lo, hi, wmin, wmax) in enumerate(((0.15, 0.42, 0.04, 0.08), (0.25, 0.7, 0.07, 0.15))):
        x = -rng.random() * w * 0.05
        while x < w:
            bw, bh = w * rng.uniform(wmin, wmax), hz * rng.uniform(lo, hi)
            col = far if layer == 0 else sp.mix(near, far, rng.random() * 0.3)
            draw.rectangle(sp.box(x, hz - bh, x + bw - 1, hz), fill=col)
            if layer == 1:
                ww, wh = max(2.0, w * 0.011), max(2.0, h * 0.024)
                for wy in np.arange(hz - bh + wh, hz - wh * 1.5, wh * 2.0):
                    for wx in np.arange(x + ww, x + bw - ww * 1.5, ww * 2.0):
                        on = rng.random() < 0.35 and pal.window_lit
                        draw.rectangle((wx, wy, wx + ww, wy + wh), fill=lit if on else dark_win)
            x += bw + (w * rng.uniform(0.0, 0.03) if layer == 1 else 0)
    kerb = hz + (h - hz) * 0.12
    draw.line((0, kerb, w, kerb), fill=sp.mix(near_g, (255, 255, 255), 0.25), width=max(1, h // 160))


def _trees(land: _Land) -> None:
    """A rolling tree line with round and pointed trees in front."""
    draw, rng, w, h, hz = land.draw, land.rng, land.w, land.h, land.hz
    far, near = land.far, land.near
    pts = [(x, hz - hz * (0.12 + 0.08 * math.sin(x / w * 7 + rng.random() * 0.3))) for x in np.linspace(0, w, 24)]
    draw.polygon([(0, hz), *pts, (w, hz)], fill=far)
    for _ in range(rng.randint(6, 10)):
        tx, th = rng.random() * w, hz * rng.uniform(0.25, 0.5)
        col = sp.mix(near, far, rng.random() * 0.35)
        draw.rectangle(
            sp.box(tx - w * 0.005, hz - th * 0.5, tx + w * 0.005, hz + h * 0.01), fill=sp.mix(col, (40, 30, 20), 0.5)
        )
        if rng.random() < 0.5:
            cr = th * 0.35
            draw.ellipse(sp.box(tx - cr, hz - th, tx + cr, hz - th + 2 * cr), fill=col)
        else:
            for k in range(3):
                ty = hz - th + k * th * 0.22
                cw = th * (0.18 + 0.1 * k)
                draw.polygon([(tx, ty), (tx - cw, ty + th * 0.35), (tx + cw, ty + th * 0.35)], fill=col)


def _sea(land: _Land) -> None:
    """A headland (sometimes with a little town), waves, boats and the light's reflection."""
    draw, rng, w, h, hz, pal, loc = land.draw, land.rng, land.w, land.h, land.hz, land.pal, land.loc
    far, far_g, lit = land.far, land.far_g, _LIT_WINDOW
    lx, lr = land.light
    side = rng.choice((-1, 1))
    x0 = w * (0.0 if side < 0 else 1.0)
    hw, hh = w * rng.uniform(0.25, 0.4), hz * rng.uniform(0.1, 0.22)
    draw.polygon([(x0, hz), (x0, hz - hh), (x0 - side * hw * 0.5, hz - hh * 0.8), (x0 - side * hw, hz)], fill=far)
    if any(t in loc for t in ("TOWN", "HARBO", "PORT", "VILLAGE")) or rng.random() < 0.4:
        for i in range(8):  # a little town on the headland, sitting on its outline
            d = hw * (0.05 + i * 0.085)
            hx = x0 - side * d
            u = d / (hw * 0.5)
            oy = hz - hh + hh * 0.2 * u if u < 1 else hz - hh * 0.8 * (2 - u)
            bw2, bh2 = w * 0.007 * rng.uniform(0.8, 1.3), h * 0.022 * rng.uniform(0.8, 1.5)
            roof = sp.grade((176, 92, 70), pal) if i % 2 else sp.grade((120, 110, 120), pal)
            wall = sp.grade((236, 230, 214), pal)
            draw.rectangle(sp.box(hx - bw2, oy - bh2, hx + bw2, oy + 2), fill=wall)
            draw.polygon([(hx - bw2 * 1.25, oy - bh2), (hx + bw2 * 1.25, oy - bh2), (hx, oy - bh2 - bw2)], fill=roof)
            if pal.window_lit:
                draw.rectangle(sp.box(hx - bw2 * 0.35, oy - bh2 * 0.65, hx + bw2 * 0.35, oy - bh2 * 0.3), fill=lit)
    shore = hz + (h - hz) * 0.55
    wave = sp.mix(far_g, (255, 255, 255), 0.3)
    for k in range(1, 9):
        wy = hz + (shore - hz) * (k / 9) ** 1.6
        for _ in range(3 + k):
            wx, wl = rng.random() * w, w * 0.01 * (1 + k * 0.4)
            draw.line((wx, wy, wx + wl, wy), fill=wave, width=max(1, h // 360))
        if k in (2, 5, 7):  # boats
            bx, bs = rng.uniform(0.08, 0.92) * w, h * 0.012 * k
            draw.polygon(
                [(bx - bs, wy - bs * 0.3), (bx + bs, wy - bs * 0.3), (bx + bs * 0.7, wy), (bx - bs * 0.7, wy)],
                fill=sp.grade((120, 60, 50), pal),
            )
            draw.polygon(
                [(bx, wy - bs * 1.9), (bx, wy - bs * 0.4), (bx + bs * 0.9, wy - bs * 0.4)],
                fill=sp.grade((246, 242, 230), pal),
            )
        if pal.light:
            rl = lr * (1.2 + k * 0.25)
            draw.line(
                (lx - rl, wy, lx + rl, wy), fill=sp.mix(pal.light_color, far_g, 0.35), width=max(1, int(h * 0.004))
            )


def _hills(land: _Land) -> None:
    """Two ridges and a road running to the horizon."""
    draw, rng, w, h, hz, pal = land.draw, land.rng, land.w, land.h, land.hz, land.pal
    far, near, near_g = land.far, land.near, land.near_g
    pts = [
        (x, hz - hz * rng.uniform(0.12, 0.42) * (1 if i % 2 else 0.45))
        for i, x in enumerate(np.linspace(-w * 0.05, w * 1.05, 13))
    ]
    draw.polygon([(-w * 0.05, hz), *pts, (w * 1.05, hz)], fill=far)
    pts = [(x, hz - hz * (0.06 + 0.05 * math.sin(x / w * 5 + 1))) for x in np.linspace(0, w, 20)]
    draw.polygon([(0, hz + 1), *pts, (w, hz + 1)], fill=sp.mix(near, near_g, 0.4))
    road = sp.grade((90, 88, 92), pal)
    draw.polygon([(w * 0.49, hz), (w * 0.51, hz), (w * 0.78, h), (w * 0.22, h)], fill=road)
    for k in range(6):
        a, b = (k / 6) ** 1.8, ((k + 0.5) / 6) ** 1.8
        ya, yb, wa, wb = hz + (h - hz) * a, hz + (h - hz) * b, 0.002 + 0.01 * a, 0.002 + 0.01 * b
        dash = [(w * (0.5 - wa), ya), (w * (0.5 + wa), ya), (w * (0.5 + wb), yb), (w * (0.5 - wb), yb)]
        draw.polygon(dash, fill=sp.grade((230, 210, 120), pal))


_SKYLINES = {"city": _city, "trees": _trees, "sea": _sea, "hills": _hills}
