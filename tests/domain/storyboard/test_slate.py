"""The dailies' cards: a slate of the size asked for that names its scene, and a burn-in that
covers only its band, so the take stays visible everywhere else."""

from __future__ import annotations

import numpy as np
import pytest

from film_assets.domain.storyboard.slate import BurnIn, burn_in_band, burn_in_image, slate_image

TAKE = BurnIn("SQ010_SH020", "v003", "changed", "storyboard 1", 101284599, "2026-12-07 04:51 UTC", "approved")


@pytest.mark.parametrize("size", [(160, 90), (1280, 720), (64, 64), (90, 160)])
def test_slate_has_the_size_asked_for(size):
    slate = slate_image(*size, "The Last Keeper", "SQ010", "EXT. SKERRY POINT LIGHTHOUSE - DUSK", 3, "2026-12-07")
    assert slate.size == size and slate.mode == "RGB"


def test_a_slate_names_its_scene():
    def slate(label: str, heading: str) -> np.ndarray:
        return np.asarray(slate_image(320, 180, "The Last Keeper", label, heading, 2, "2026-12-07"), dtype=int)

    first, second = slate("SQ010", "EXT. SKERRY POINT - DUSK"), slate("SQ020", "INT. LAMP ROOM - NIGHT")
    assert np.abs(first - second).sum() > 0
    assert np.asarray(first).std() > 10, "a slate carries text, not a blank card"


@pytest.mark.parametrize("size", [(160, 90), (1280, 720), (64, 64)])
@pytest.mark.parametrize("at", ["bottom", "top"])
def test_burn_in_is_transparent_outside_its_band(size, at):
    image = burn_in_image(*size, TAKE, at=at)
    assert image.size == size and image.mode == "RGBA"
    alpha = np.asarray(image.getchannel("A"))
    top, bottom = burn_in_band(*size, at)
    assert 0 < bottom - top < size[1]
    assert (alpha[:top] == 0).all() and (alpha[bottom:] == 0).all()
    assert (alpha[top:bottom] > 0).all(), "the band is one legible strip"
    assert (top == 0) == (at == "top") and (bottom == size[1]) == (at == "bottom")


def test_burn_in_band_carries_text():
    band = np.asarray(burn_in_image(320, 180, TAKE).convert("RGB"), dtype=int)[burn_in_band(320, 180)[0] :]
    assert band.std() > 10, "the band shows the take's code, version and state"


def test_burn_in_says_what_the_take_is():
    assert TAKE.headline() == "SQ010_SH020  v003"
    assert TAKE.state_label() == "APPROVED"
    for field in ("changed", "storyboard 1", "seed 101284599", "2026-12-07 04:51 UTC"):
        assert field in TAKE.details()


def test_burn_in_refuses_a_place_that_is_not_top_or_bottom():
    with pytest.raises(ValueError, match="'top' or the 'bottom'"):
        burn_in_image(160, 90, TAKE, at="middle")
