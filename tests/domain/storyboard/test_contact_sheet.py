"""The contact sheet shows every shot in film order, labelled with code and take, and marks the
new ones so a reviewer sees what changed; the poster is the first shot with a character."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PIL import Image

from film_assets.domain.storyboard.contact_sheet import (
    BORDER,
    CELL_SIZE,
    GAP,
    MAX_COLUMNS,
    SheetShot,
    draw_contact_sheet,
)
from film_assets.domain.storyboard.palette import AMBER
from film_assets.domain.storyboard.poster import poster_shot

BLUE = (20, 60, 200)


def shots(count: int, changed: set[int] = frozenset(), size=(320, 180)) -> list[SheetShot]:
    return [
        SheetShot(f"SQ010_SH{(i + 1) * 10:03d}", f"v{i % 3 + 1:03d}", Image.new("RGB", size, BLUE), i in changed)
        for i in range(count)
    ]


def near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def test_every_shot_gets_a_cell_in_film_order_row_by_row():
    sheet, boxes = draw_contact_sheet(shots(14), "THE LAST KEEPER")
    assert [box.code for box in boxes] == [f"SQ010_SH{(i + 1) * 10:03d}" for i in range(14)]
    rows = sorted({box.top for box in boxes})
    assert len(rows) == 3 and [box.top for box in boxes[:MAX_COLUMNS]] == [rows[0]] * MAX_COLUMNS
    assert boxes[MAX_COLUMNS].left == boxes[0].left and boxes[MAX_COLUMNS].top == rows[1]
    for box in boxes:  # each thumbnail is on the sheet, fully, and shows the keyframe
        assert (box.right - box.left, box.bottom - box.top) == CELL_SIZE
        assert box.right <= sheet.width and box.bottom <= sheet.height
        assert near(sheet.getpixel(((box.left + box.right) // 2, (box.top + box.bottom) // 2)), BLUE)
    assert sheet.width == boxes[MAX_COLUMNS - 1].right + GAP


def test_new_shots_get_an_amber_frame_and_a_new_tag_and_unchanged_ones_do_not():
    sheet, boxes = draw_contact_sheet(shots(4, changed={1, 3}), "film")
    for index, box in enumerate(boxes):
        frame = sheet.getpixel((box.left - BORDER // 2 - 1, (box.top + box.bottom) // 2))
        tag = sheet.getpixel((box.left + 2, box.top + 2))  # the NEW tag's top-left corner
        if index in (1, 3):
            assert near(frame, AMBER, 10) and near(tag, AMBER, 10), index
        else:
            assert not near(frame, AMBER, 60) and near(tag, BLUE), index


def test_each_cell_is_labelled_under_its_thumbnail():
    """The label band under a thumbnail carries text (pixels brighter than the sheet), and a
    changed shot's label is amber."""
    sheet, boxes = draw_contact_sheet(shots(2, changed={1}), "film")
    for index, box in enumerate(boxes):
        band = sheet.crop((box.left, box.bottom + BORDER, box.right, box.bottom + BORDER + 16))
        colours = [colour for _, colour in band.getcolors(maxcolors=100000)]
        assert any(sum(c) > 400 for c in colours), index  # some text is drawn
        assert any(near(c, AMBER, 30) for c in colours) == (index == 1)


def test_label_text_changes_with_the_version():
    one = shots(1)
    other = [SheetShot(one[0].code, "v099", one[0].thumbnail, False)]
    (a, [box]), (b, _) = draw_contact_sheet(one, "film"), draw_contact_sheet(other, "film")
    label = (box.left, box.bottom, box.right, box.bottom + 22)
    assert a.crop(label).tobytes() != b.crop(label).tobytes()
    assert (
        a.crop((box.left, box.top, box.right, box.bottom)).tobytes()
        == b.crop((box.left, box.top, box.right, box.bottom)).tobytes()
    )


def test_a_portrait_keyframe_is_fitted_inside_its_cell():
    sheet, [box] = draw_contact_sheet(shots(1, size=(90, 160)), "film")
    assert near(sheet.getpixel((box.left + 2, box.top + 50)), (0, 0, 0), 5)  # pillarbox
    assert near(sheet.getpixel(((box.left + box.right) // 2, box.top + 50)), BLUE)


def test_the_header_says_how_many_shots_are_new():
    """Two sheets differing only in what is new differ in their header, and a film of one shot
    is one cell wide."""
    plain, [box] = draw_contact_sheet(shots(1), "film")
    marked, _ = draw_contact_sheet(shots(1, changed={0}), "film")
    header = (0, 0, plain.width, box.top - BORDER - 1)
    assert plain.crop(header).tobytes() != marked.crop(header).tobytes()
    assert plain.width == CELL_SIZE[0] + 2 * GAP


@dataclass
class Candidate:
    code: str
    shot_type: str
    characters: tuple[str, ...] = ()


def test_the_poster_is_the_first_shot_with_a_character_else_the_middle_one():
    film = [Candidate("A", "card", ("IRIS",)), Candidate("B", "establishing"), Candidate("C", "dialogue", ("IRIS",))]
    assert poster_shot(film) == "C"
    assert poster_shot([Candidate(code, "establishing") for code in "ABCDE"]) == "C"
    with pytest.raises(ValueError, match="no poster"):
        poster_shot([])
