"""Promises of the CPU storyboard renderer, continued: a still header bar and caption box around
the moving picture, exact to the pixel at every frame size."""

from __future__ import annotations

import numpy as np
import pytest

from film_assets.domain.storyboard.palette import AMBER, CARD, INK
from film_assets.domain.storyboard.panel import draw_storyboard, picture_band
from tests.support.storyboard import BOTTOM, TOP, H, W, make_shot, pixels

# --------------------------------------------------------------------------- #
# Bands: a still header bar and caption box around the moving picture
# --------------------------------------------------------------------------- #
BAND_SIZES = [
    (640, 360),
    (1280, 720),
    (1920, 1080),
    (320, 180),
    (1279, 719),
    (721, 405),
    (360, 640),
    (321, 181),
    (64, 36),
    (64, 37),
    (16, 9),
    (2, 2),
    (3, 3),
]


@pytest.mark.parametrize("size", BAND_SIZES)
def test_picture_band_is_even_and_ordered(size: tuple[int, int]) -> None:
    top, bottom = picture_band(*size)
    assert isinstance(top, int) and isinstance(bottom, int)
    assert top % 2 == 0 and bottom % 2 == 0
    assert 0 <= top < bottom <= size[1]
    assert bottom - top >= size[1] // 2 - 2  # the picture keeps about half the frame, or more


def test_picture_band_keeps_the_usual_proportions() -> None:
    assert picture_band(1280, 720) == (52, 578)
    for w, h in ((640, 360), (1280, 720), (1920, 1080)):
        top, bottom = picture_band(w, h)
        assert 0.06 < top / h < 0.09 and 0.78 < bottom / h < 0.82
    assert picture_band(1, 1) == (0, 1)  # a single row cannot be split: all picture
    with pytest.raises(ValueError):
        picture_band(0, 720)


@pytest.mark.parametrize("shot_type", ["establishing", "action", "dialogue"])
def test_header_and_caption_stay_inside_their_bands(shot_type: str) -> None:
    same = dict(shot_type=shot_type, caption="They wait for the last bus.", camera_move="push_in")
    a = pixels(draw_storyboard(make_shot(characters=["MARTA"], **same), W, H))
    b = pixels(
        draw_storyboard(
            make_shot(
                characters=["TOMÁS", "ZOË", "ŁUKASZ"], location="PINE FOREST", time_of_day="NIGHT", seed=99, **same
            ),
            W,
            H,
        )
    )
    assert np.array_equal(a[:TOP], b[:TOP])  # header bar: same heading, tag and code
    assert np.array_equal(a[BOTTOM:], b[BOTTOM:])  # caption box: same caption
    assert not np.array_equal(a[TOP:BOTTOM], b[TOP:BOTTOM])
    assert np.abs(a[TOP:BOTTOM] - b[TOP:BOTTOM]).mean(axis=(1, 2)).min() > 0  # every picture row differs


@pytest.mark.parametrize("size", [(640, 360), (1279, 719), (320, 180)])
def test_bands_are_exact(size: tuple[int, int]) -> None:
    w, h = size
    top, bottom = picture_band(w, h)
    img = np.asarray(draw_storyboard(make_shot(characters=["MARTA"], time_of_day="DAY"), w, h))
    assert np.all(img[top - 1] == AMBER)  # the header's underline is its last row
    assert not np.all(img[top] == AMBER)  # ... and the picture starts right below it
    assert np.all(img[bottom, :4] == INK) and np.all(img[h - 1, :4] == INK)  # caption box: [bottom, h)
    assert not np.all(img[bottom - 1, :4] == INK)  # the picture's last row is sky / ground, not the box


def test_camera_tag_lives_in_the_header() -> None:
    push = pixels(draw_storyboard(make_shot(camera_move="push_in"), W, H))
    pan = pixels(draw_storyboard(make_shot(camera_move="pan_left"), W, H))
    still = pixels(draw_storyboard(make_shot(camera_move="static", shot_type="card"), W, H))
    assert not np.array_equal(push[:TOP], pan[:TOP])
    assert np.array_equal(push[TOP:], pan[TOP:])  # nothing about the move is drawn in the picture
    assert not np.array_equal(push[:TOP], still[:TOP])


def test_card_keeps_the_bands() -> None:
    card = np.asarray(draw_storyboard(make_shot(shot_type="card", caption="PART TWO: THE SEA"), W, H))
    shot = np.asarray(draw_storyboard(make_shot(shot_type="card", caption="THE END"), W, H))
    assert np.array_equal(card[:TOP], shot[:TOP])  # same header bar
    assert np.all(card[BOTTOM:] == CARD)  # blank caption box in the card's colour
    assert np.all(card[TOP - 1] == AMBER)
