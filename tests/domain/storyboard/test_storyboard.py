"""Promises of the CPU storyboard renderer (film_assets.domain.storyboard.panel)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw

from film_assets.domain.storyboard import scene as storyboard_scene
from film_assets.domain.storyboard import text as st
from film_assets.domain.storyboard.palette import character_colors
from film_assets.domain.storyboard.panel import draw_storyboard
from tests.conftest import REPO
from tests.support.storyboard import BOTTOM, TOP, H, W, make_shot, pixels, png_bytes, scene, sky

SIZES = [(640, 360), (1280, 720), (1920, 1080), (360, 640), (321, 181), (64, 36), (1, 1)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("shot_type", ["establishing", "action", "dialogue", "card"])
def test_frame_has_requested_size(size: tuple[int, int], shot_type: str) -> None:
    img = draw_storyboard(make_shot(shot_type=shot_type, characters=["MARTA", "TOMÁS"]), *size)
    assert img.size == size
    assert img.mode == "RGB"


def test_non_positive_size_is_rejected() -> None:
    with pytest.raises(ValueError):
        draw_storyboard(make_shot(), 0, 360)


@pytest.mark.parametrize(
    "overrides",
    [
        {
            "int_ext": "INT",
            "location": "DINER KITCHEN",
            "time_of_day": "NIGHT",
            "shot_type": "dialogue",
            "characters": ["MARTA", "TOMÁS"],
            "caption": 'MARTA: "We close at six."',
        },
        {
            "int_ext": "EST",
            "location": "HARBOR",
            "time_of_day": "DUSK",
            "shot_type": "establishing",
            "characters": ["ZOË", "A", "B", "C", "D", "E", "F"],
            "camera_move": "pan_left",
        },
        {"shot_type": "card", "caption": "THE END"},
    ],
)
def test_same_shot_gives_identical_png_bytes(overrides: dict[str, object]) -> None:
    shot = make_shot(**overrides)
    first = png_bytes(draw_storyboard(shot, W, H))
    storyboard_scene.background.cache_clear()  # the second frame is drawn from scratch, not from the cache
    second = png_bytes(draw_storyboard(dict(shot), W, H))
    assert first == second


def test_frames_do_not_depend_on_python_hash_seed() -> None:
    code = (
        "import hashlib;from film_assets.domain.storyboard.panel import draw_storyboard as d;"
        "s=dict(code='SQ1',scene_heading='EXT. PIER - DUSK',int_ext='EXT',location='PIER',time_of_day='DUSK',"
        "shot_type='action',characters=['TOMÁS','ZOË'],caption='x',seed=5,camera_move='pan_left');"
        "print(hashlib.sha256(d(s,160,90).tobytes()).hexdigest())"
    )
    root = str(REPO)
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    shot = make_shot(
        code="SQ1",
        scene_heading="EXT. PIER - DUSK",
        location="PIER",
        time_of_day="DUSK",
        characters=["TOMÁS", "ZOË"],
        caption="x",
        seed=5,
        camera_move="pan_left",
    )
    digests.add(hashlib.sha256(draw_storyboard(shot, 160, 90).tobytes()).hexdigest())
    assert len(digests) == 1


def test_night_and_day_palettes_differ() -> None:
    day = sky(draw_storyboard(make_shot(time_of_day="DAY"), W, H))
    night = sky(draw_storyboard(make_shot(time_of_day="NIGHT"), W, H))
    assert night.mean() < day.mean() - 80
    r, g, b = night.reshape(-1, 3).mean(axis=0)
    assert b > r + 15  # night is dark *blue*


def test_dawn_and_dusk_skies_are_warm_and_unknown_time_is_neutral_grey() -> None:
    for tod in ("DAWN", "DUSK"):
        img = pixels(draw_storyboard(make_shot(time_of_day=tod, location="OPEN SEA"), W, H))
        low_sky = img[int(H * 0.3) : int(H * 0.34), : int(W * 0.2)].reshape(-1, 3).mean(axis=0)
        assert low_sky[0] > low_sky[2] + 40, tod
    grey = sky(draw_storyboard(make_shot(time_of_day="CONTINUOUS"), W, H)).reshape(-1, 3).mean(axis=0)
    assert grey.max() - grey.min() < 12


def test_interior_and_exterior_compositions_differ() -> None:
    ext = scene(draw_storyboard(make_shot(int_ext="EXT", location="DINER"), W, H))
    int_ = scene(draw_storyboard(make_shot(int_ext="INT", location="DINER"), W, H))
    assert np.abs(ext - int_).mean() > 30


@pytest.mark.parametrize(
    "int_ext,location,tod",
    [
        ("EXT", "MAIN STREET", "NIGHT"),
        ("INT", "DINER KITCHEN", "DAY"),
        ("EST", "PINE FOREST", "DAWN"),
    ],
)
def test_same_location_looks_the_same_across_shots(int_ext: str, location: str, tod: str) -> None:
    a = draw_storyboard(
        make_shot(
            int_ext=int_ext, location=location, time_of_day=tod, code="SQ010_SH010", caption="She waits.", seed=1
        ),
        W,
        H,
    )
    b = draw_storyboard(
        make_shot(
            int_ext=int_ext,
            location=location.lower(),
            time_of_day=tod,
            code="SQ020_SH090",
            caption="Much later, he finally arrives, soaked.",
            seed=987654321,
        ),
        W,
        H,
    )
    assert np.abs(scene(a) - scene(b)).mean() < 0.5


def test_different_locations_look_different() -> None:
    a = scene(draw_storyboard(make_shot(int_ext="INT", location="DINER KITCHEN"), W, H))
    b = scene(draw_storyboard(make_shot(int_ext="INT", location="BOXING GYM"), W, H))
    assert np.abs(a - b).mean() > 10


def test_characters_change_the_frame() -> None:
    empty = scene(draw_storyboard(make_shot(characters=[]), W, H))
    one = scene(draw_storyboard(make_shot(characters=["MARTA"]), W, H))
    assert np.abs(empty - one).mean() > 1


def test_unicode_names_render() -> None:
    tomas = draw_storyboard(make_shot(characters=["TOMAS"]), W, H)
    accented = draw_storyboard(make_shot(characters=["TOMÁS"]), W, H)
    boxed = draw_storyboard(make_shot(characters=["TOM\ue000S"]), W, H)  # a glyph no font has
    assert not np.array_equal(pixels(tomas), pixels(accented))
    assert not np.array_equal(pixels(boxed), pixels(accented))  # Á is drawn, not a missing-glyph box
    draw_storyboard(
        make_shot(
            characters=["ZOË", "ÉLODIE", "ŁUKASZ", "JÜRGEN", "北斗"], caption='ZOË: "Ça va, François? Ñandú — ßtraße…"'
        ),
        W,
        H,
    )


# --------------------------------------------------------------------------- #
# Text: the shipped font draws real glyphs for accented, Greek and Cyrillic names
# --------------------------------------------------------------------------- #
def ink(text: str, size: int = 40) -> np.ndarray:
    """Where ``text`` puts ink, drawn with its baseline at a fixed row (size * 1.5)."""
    font = st.font(size)
    img = Image.new("L", (size * 12, size * 2))  # fixed size, so any two texts compare
    st.draw_text(ImageDraw.Draw(img), size / 2, size * 1.5, text, font, 255)  # type: ignore[arg-type]
    return np.asarray(img) > 96


NOTDEF = "\ue000"  # private-use code point: no font has it, so it shows the .notdef box


def test_text_uses_the_shipped_source_sans_pro() -> None:
    assert st.font(20).getname() == ("Source Sans Pro", "Semibold")
    assert st.font(20, st.BOLD).getname() == ("Source Sans Pro", "Bold")
    assert st.font(20) is st.font(20)  # cached per (size, weight)


@pytest.mark.parametrize("plain,accented", [("A", "Á"), ("E", "Ë"), ("O", "Ö"), ("C", "Ç"), ("L", "Ł")])
def test_accented_letter_is_its_own_glyph(plain: str, accented: str) -> None:
    a, b = ink(plain), ink(accented)
    assert not np.array_equal(a, b)
    assert not np.array_equal(b, ink(NOTDEF))
    if accented in "ÁËÖ":  # the accent is ink above the capital
        cap_top = np.nonzero(a.any(axis=1))[0].min()
        assert b[:cap_top].any()


def test_names_render_with_real_glyphs_not_boxes() -> None:
    for name in ("TOMÁS", "ZOË", "JOSÉ", "ŁUKASZ", "ΑΛΕΞΗΣ", "ДМИТРИЙ"):
        boxes = ink(NOTDEF * len(name))
        assert not np.array_equal(ink(name), boxes), name
    for ch in "ÁÉÍÓÚÑÇËÜÖŁØßŒÆΑΒΓΔΩαβγДЖЯжя…·—":
        assert not np.array_equal(ink(ch), ink(NOTDEF)), ch


def test_greek_and_cyrillic_strings_are_distinct_glyphs() -> None:
    # a font without Greek would draw both as the same row of .notdef boxes
    assert not np.array_equal(ink("ΑΒΓ"), ink("ΔΕΖ"))
    assert not np.array_equal(ink("ЖЯД"), ink("ФЦШ"))


def test_decomposed_accents_are_composed_into_one_glyph() -> None:
    assert np.array_equal(ink("TOMA\u0301S"), ink("TOMÁS"))  # A + combining acute == Á
    assert np.array_equal(ink("ZO\u200bË\x07"), ink("ZOË"))  # zero-width and control chars dropped


def test_seed_gives_small_deterministic_variations() -> None:
    a = scene(draw_storyboard(make_shot(characters=["MARTA", "TOMÁS"], seed=1), W, H))
    b = scene(draw_storyboard(make_shot(characters=["MARTA", "TOMÁS"], seed=2), W, H))
    assert 0 < np.abs(a - b).mean() < 20


def _colour_count(img: Image.Image, colour: tuple[int, int, int]) -> int:
    return int(np.all(np.asarray(img) == np.array(colour, dtype=np.uint8), axis=-1).sum())


def test_dialogue_frames_the_speaker_larger_than_establishing() -> None:
    body = character_colors("MARTA")[0]
    caption = 'MARTA: "We close at six."'
    wide = draw_storyboard(make_shot(shot_type="establishing", characters=["MARTA"], caption=caption), W, H)
    close = draw_storyboard(make_shot(shot_type="dialogue", characters=["TOMÁS", "MARTA"], caption=caption), W, H)
    assert _colour_count(close, body) > 6 * _colour_count(wide, body) > 0


def test_at_most_five_figures_are_drawn() -> None:
    names = ["ANA", "BEN", "CARLA", "DMITRI", "EVE", "FATIMA", "GUS"]
    img = draw_storyboard(make_shot(characters=names), W, H)
    assert all(_colour_count(img, character_colors(n)[0]) > 0 for n in names[:5])
    assert all(_colour_count(img, character_colors(n)[0]) == 0 for n in names[5:])
    fewer = draw_storyboard(make_shot(characters=names[:5]), W, H)
    assert not np.array_equal(pixels(img), pixels(fewer))  # the "+2" badge


def test_long_caption_is_wrapped_not_overflowing() -> None:
    long = " ".join(["The rain keeps falling on the empty diner while Marta counts the tips."] * 40)
    word = "A" * 500  # one unbreakable word
    for caption in (long, word, long + " " + word):
        img = draw_storyboard(make_shot(caption=caption), W, H)
        assert img.size == (W, H)
        short = draw_storyboard(make_shot(caption="Short."), W, H)
        assert np.array_equal(scene(img), scene(short))  # the text never spills into the picture
        box = pixels(img)[int(H * 0.82) :, :]
        margin = max(2, int(H * 0.012))
        assert np.all(box[:, :margin] == box[0, 0]) and np.all(box[:, -margin:] == box[0, 0])


def test_caption_wraps_to_at_most_three_lines_with_ellipsis() -> None:
    font = st.font(20)
    text = " ".join(f"word{i}" for i in range(200))
    lines = st.wrap(text, font, 300, 3)
    assert len(lines) == 3
    assert lines[-1].endswith("\u2026")
    assert all(font.getlength(line) <= 300 for line in lines)
    assert st.wrap("Short caption.", font, 300, 3) == ["Short caption."]


def test_card_shot_is_a_title_card() -> None:
    img = draw_storyboard(make_shot(shot_type="card", caption="THE END", characters=["MARTA"]), W, H)
    body = pixels(img)[TOP:]
    bg = body[-1, 0]
    ys, xs = np.nonzero(np.any(body != bg, axis=-1))
    assert len(ys) > 0
    assert ys.max() < BOTTOM - TOP  # the title stays in the picture band
    cy, cx = (ys.min() + ys.max()) / 2 + TOP, (xs.min() + xs.max()) / 2
    assert abs(cx - W / 2) < W * 0.03 and abs(cy - H * 0.55) < H * 0.08  # centred
    assert xs.max() - xs.min() < W * 0.6  # a title, not a full composition
    text = pixels(img)[int(H * 0.45) : int(H * 0.65), int(W * 0.3) : int(W * 0.7)]
    assert text.max() > 200 and (text.mean(axis=-1) > 200).mean() > 0.05  # large bright type
    assert _colour_count(img, character_colors("MARTA")[0]) == 0  # no figures on a card
