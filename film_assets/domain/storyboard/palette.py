"""Palettes, location styles and stable hashing for the storyboard renderer.

Everything here is pure data/arithmetic: no drawing. All "random" choices are
derived from ``hashlib`` digests of the input strings so that they are stable
across processes and machines (unlike the salted built-in ``hash()``).
"""

from __future__ import annotations

import colorsys
import hashlib
import random
from dataclasses import dataclass
from functools import lru_cache

Color = tuple[int, int, int]

# Interface colours shared by the header, caption box, labels and figures.
INK: Color = (16, 17, 22)  # header / caption / label background
PAPER: Color = (238, 236, 230)  # main text colour
AMBER: Color = (255, 196, 86)  # shot code, underline, accents
OUTLINE: Color = (28, 28, 34)  # figure outlines
CARD: Color = (12, 12, 16)  # title-card slate


# --------------------------------------------------------------------------- #
# Colour arithmetic
# --------------------------------------------------------------------------- #
def mix(a: Color, b: Color, t: float) -> Color:
    """Linear blend from ``a`` (t=0) to ``b`` (t=1)."""
    return (
        int(round(a[0] + (b[0] - a[0]) * t)),
        int(round(a[1] + (b[1] - a[1]) * t)),
        int(round(a[2] + (b[2] - a[2]) * t)),
    )


def scale(c: Color, m: tuple[float, float, float] | float) -> Color:
    """Multiply a colour channel-wise, clamped to 0..255."""
    if isinstance(m, (int, float)):
        m = (m, m, m)
    return tuple(max(0, min(255, int(round(v * k)))) for v, k in zip(c, m))  # type: ignore[return-value]


def luminance(c: Color) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    """Corners in the order Pillow wants (x0 <= x1, y0 <= y1), whatever the drawing direction."""
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


# --------------------------------------------------------------------------- #
# Stable hashing
# --------------------------------------------------------------------------- #
def digest(*parts: str) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x1f")
    return h.digest()


def stable_rng(*parts: str) -> random.Random:
    """A private RNG seeded from a sha256 of the given strings."""
    return random.Random(int.from_bytes(digest(*parts)[:8], "big"))


def normalize_key(text: str) -> str:
    return " ".join(text.upper().split())


# --------------------------------------------------------------------------- #
# Time of day
# --------------------------------------------------------------------------- #
_TIME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("night", ("NIGHT", "MIDNIGHT", "NIGHTFALL", "AFTER DARK", "PRE-DAWN")),
    ("dawn", ("DAWN", "SUNRISE", "DAYBREAK", "FIRST LIGHT")),
    ("dusk", ("DUSK", "SUNSET", "EVENING", "TWILIGHT", "MAGIC HOUR", "SUNDOWN")),
    ("morning", ("MORNING",)),
    ("day", ("DAY", "NOON", "MIDDAY", "AFTERNOON", "DAYTIME")),
)


@lru_cache(maxsize=256)
def normalize_time(time_of_day: str) -> str:
    """Map a free-form time of day to one of the palette keys."""
    t = normalize_key(time_of_day)
    for key, words in _TIME_WORDS:
        if any(w in t for w in words):
            return key
    return "neutral"


@dataclass(frozen=True)
class Palette:
    sky: tuple[Color, Color, Color]  # top, middle, horizon
    light: str  # "sun", "moon" or "" (overcast)
    light_color: Color
    light_pos: tuple[float, float]  # (x, y) as fractions of the sky box
    light_size: float  # radius as a fraction of the scene height
    stars: bool
    grade: tuple[float, float, float]  # multiplier applied to daylight colours
    haze: float  # how much far layers blend into the horizon colour
    lamp_on: bool
    window_lit: bool  # exterior building windows glow
    desaturate: float = 0.0


PALETTES: dict[str, Palette] = {
    "day": Palette(
        sky=((70, 138, 220), (128, 182, 236), (200, 228, 246)),
        light="sun",
        light_color=(255, 247, 214),
        light_pos=(0.78, 0.22),
        light_size=0.055,
        stars=False,
        grade=(1.0, 1.0, 1.0),
        haze=0.35,
        lamp_on=False,
        window_lit=False,
    ),
    "morning": Palette(
        sky=((104, 158, 222), (170, 200, 232), (244, 228, 200)),
        light="sun",
        light_color=(255, 240, 200),
        light_pos=(0.22, 0.45),
        light_size=0.06,
        stars=False,
        grade=(1.0, 0.97, 0.92),
        haze=0.4,
        lamp_on=False,
        window_lit=False,
    ),
    "dawn": Palette(
        sky=((62, 74, 142), (214, 142, 160), (255, 204, 150)),
        light="sun",
        light_color=(255, 226, 170),
        light_pos=(0.3, 0.96),
        light_size=0.085,
        stars=False,
        grade=(0.86, 0.74, 0.74),
        haze=0.5,
        lamp_on=True,
        window_lit=True,
    ),
    "dusk": Palette(
        sky=((38, 36, 96), (176, 84, 112), (255, 156, 84)),
        light="sun",
        light_color=(255, 184, 102),
        light_pos=(0.7, 0.95),
        light_size=0.1,
        stars=False,
        grade=(0.72, 0.56, 0.56),
        haze=0.45,
        lamp_on=True,
        window_lit=True,
    ),
    "night": Palette(
        sky=((6, 10, 30), (16, 28, 64), (36, 54, 96)),
        light="moon",
        light_color=(236, 236, 218),
        light_pos=(0.76, 0.24),
        light_size=0.045,
        stars=True,
        grade=(0.24, 0.29, 0.46),
        haze=0.25,
        lamp_on=True,
        window_lit=True,
    ),
    "neutral": Palette(
        sky=((146, 148, 152), (170, 172, 175), (196, 197, 198)),
        light="",
        light_color=(210, 210, 210),
        light_pos=(0.5, 0.3),
        light_size=0.0,
        stars=False,
        grade=(0.9, 0.9, 0.9),
        haze=0.5,
        lamp_on=False,
        window_lit=False,
        desaturate=0.75,
    ),
}


def palette_for(time_of_day: str) -> Palette:
    return PALETTES[normalize_time(time_of_day)]


def grade(c: Color, pal: Palette) -> Color:
    """Re-light a daylight colour for the palette's time of day."""
    out = scale(c, pal.grade)
    if pal.desaturate:
        y = int(round(luminance(out)))
        out = mix(out, (y, y, y), pal.desaturate)
    return out


# --------------------------------------------------------------------------- #
# Locations
# --------------------------------------------------------------------------- #
EXTERIOR_KINDS = ("city", "trees", "sea", "hills")
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "sea",
        (
            "BEACH",
            "SEA",
            "OCEAN",
            "HARBOR",
            "HARBOUR",
            "PIER",
            "DOCK",
            "COAST",
            "SHORE",
            "LAKE",
            "BAY",
            "PORT",
            "BOAT",
            "SHIP",
            "RIVER",
        ),
    ),
    (
        "trees",
        (
            "FOREST",
            "WOOD",
            "PARK",
            "GARDEN",
            "FARM",
            "FIELD",
            "ORCHARD",
            "JUNGLE",
            "CAMP",
            "YARD",
            "MEADOW",
            "CEMETERY",
            "GRAVEYARD",
        ),
    ),
    ("hills", ("DESERT", "MOUNTAIN", "HILL", "HIGHWAY", "VALLEY", "CANYON", "COUNTRY", "RANCH", "CLIFF", "ROAD")),
    (
        "city",
        (
            "STREET",
            "CITY",
            "ROOF",
            "ALLEY",
            "PARKING",
            "DOWNTOWN",
            "AVENUE",
            "SQUARE",
            "STATION",
            "TOWN",
            "BRIDGE",
            "DINER",
            "BAR",
            "CAFE",
            "SHOP",
            "STORE",
            "MOTEL",
            "HOTEL",
            "OFFICE",
            "BUILDING",
            "APARTMENT",
            "PLAZA",
        ),
    ),
)

# Daylight ground colours per exterior kind: (near ground, far ground).
GROUND: dict[str, tuple[Color, Color]] = {
    "city": ((112, 112, 118), (150, 150, 156)),
    "trees": ((92, 142, 70), (132, 172, 96)),
    "sea": ((222, 204, 160), (40, 112, 168)),  # sand, water
    "hills": ((196, 160, 104), (170, 140, 100)),
}
SILHOUETTE: dict[str, tuple[Color, Color]] = {  # (far layer, near layer)
    "city": ((150, 162, 184), (92, 100, 120)),
    "trees": ((110, 150, 120), (52, 104, 62)),
    "sea": ((120, 146, 170), (80, 96, 110)),
    "hills": ((168, 150, 150), (150, 112, 84)),
}


@lru_cache(maxsize=512)
def exterior_kind(location: str) -> str:
    key = normalize_key(location)
    for kind, words in _KIND_WORDS:
        if any(w in key for w in words):
            return kind
    return EXTERIOR_KINDS[digest("kind", key)[0] % len(EXTERIOR_KINDS)]


WALL_COLORS: tuple[Color, ...] = (
    (206, 196, 170),  # cream
    (160, 178, 158),  # sage
    (156, 172, 192),  # dusty blue
    (196, 150, 124),  # terracotta
    (176, 160, 178),  # mauve
    (204, 182, 120),  # mustard
    (184, 184, 178),  # warm grey
)
FLOOR_COLORS: dict[str, Color] = {
    "wood": (150, 108, 76),
    "tile": (196, 194, 186),
    "carpet": (118, 88, 92),
}


@dataclass(frozen=True)
class InteriorStyle:
    wall: Color
    floor_kind: str
    floor: Color
    window_x: float  # centre of the window across the back wall, 0..1
    window_w: float  # fraction of the back wall width
    door_side: int  # -1 left wall, 1 right wall, 0 none
    lamp_x: float  # pendant lamp position across the frame, 0..1
    picture: bool


@lru_cache(maxsize=512)
def interior_style(location: str) -> InteriorStyle:
    key = normalize_key(location)
    rng = stable_rng("interior", key)
    if any(w in key for w in ("KITCHEN", "DINER", "BATH", "HOSPITAL", "LAB", "RESTROOM")):
        floor_kind = "tile"
    elif any(w in key for w in ("BEDROOM", "LIVING", "OFFICE", "HOTEL", "MOTEL", "STUDY")):
        floor_kind = "carpet"
    else:
        floor_kind = rng.choice(("wood", "tile", "carpet", "wood"))
    window_x = rng.choice((0.27, 0.5, 0.73))
    return InteriorStyle(
        wall=WALL_COLORS[rng.randrange(len(WALL_COLORS))],
        floor_kind=floor_kind,
        floor=FLOOR_COLORS[floor_kind],
        window_x=window_x,
        window_w=rng.uniform(0.26, 0.36),
        door_side=rng.choice((-1, 1, 1, -1, 0)),
        lamp_x=0.5 + (0.14 if window_x < 0.5 else -0.14) * rng.choice((1, 1.6)),
        picture=window_x != 0.5,
    )


# --------------------------------------------------------------------------- #
# Characters
# --------------------------------------------------------------------------- #
SKIN_TONES: tuple[Color, ...] = (
    (246, 220, 196),
    (234, 196, 160),
    (212, 160, 120),
    (168, 116, 82),
    (118, 80, 58),
)
HAIR_COLORS: tuple[Color, ...] = (
    (40, 30, 26),
    (92, 60, 36),
    (160, 112, 60),
    (200, 170, 110),
    (120, 120, 124),
    (150, 56, 36),
)


@lru_cache(maxsize=1024)
def character_colors(name: str) -> tuple[Color, Color, Color]:
    """(clothing, skin, hair) colours, stable for a given character name."""
    d = digest("character", normalize_key(name))
    hue = int.from_bytes(d[:2], "big") / 65536.0
    sat = 0.5 + d[2] / 255.0 * 0.25
    val = 0.72 + d[3] / 255.0 * 0.18
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    body = (int(round(r * 255)), int(round(g * 255)), int(round(b * 255)))
    return body, SKIN_TONES[d[4] % len(SKIN_TONES)], HAIR_COLORS[d[5] % len(HAIR_COLORS)]


def interior_color(c: Color, pal: Palette) -> Color:
    """Re-light an interior colour: softer than outside, warm when lamps are on."""
    m = tuple(1.0 - (1.0 - g) * 0.7 for g in pal.grade)
    if pal.lamp_on:
        m = (m[0], m[1] * 0.93, m[2] * 0.82)
    out = scale(c, m)  # type: ignore[arg-type]
    if pal.desaturate:
        y = int(round(luminance(out)))
        out = mix(out, (y, y, y), pal.desaturate * 0.6)
    return out
