"""The contact sheet: every shot of a film on one image, in film order, each thumbnail labelled
with its shot code and take version, and the shots that are new in this render marked so a
reviewer sees at a glance what changed (an amber frame and a "NEW" tag).

Pure Pillow: the caller passes the thumbnails already decoded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from film_assets.domain.storyboard.palette import AMBER, INK, PAPER, Color
from film_assets.domain.storyboard.text import BOLD, SEMIBOLD, cap_height, draw_text, fit, font

CELL_SIZE = (192, 108)  # a 16:9 thumbnail; others are fitted inside it, letterboxed
MAX_COLUMNS = 6  # about 1.3k pixels wide: fits a catalog page without scrolling sideways
GAP = 12  # wider than two changed-shot frames, so neighbours stay apart
LABEL_HEIGHT = 22
HEADER_HEIGHT = 34
BORDER = 4  # the changed-shot frame, drawn inside the gap around the thumbnail
SHEET_BACKGROUND: Color = (30, 31, 38)
UNCHANGED_LABEL: Color = (150, 150, 158)
NEW_TAG = "NEW"


@dataclass(frozen=True)
class SheetShot:
    code: str  # SQ010_SH020
    version: str  # v003
    thumbnail: Image.Image
    changed: bool = False  # new in this render: a take the previous one did not have


@dataclass(frozen=True)
class CellBox:
    """Where one shot landed on the sheet (the thumbnail's box), for the tests and for readers."""

    code: str
    left: int
    top: int
    right: int
    bottom: int


def sheet_columns(count: int, max_columns: int = MAX_COLUMNS) -> int:
    """Columns for `count` shots: all on one row when they fit, else max_columns."""
    return max(1, min(count, max_columns))


def cell_box(index: int, columns: int, cell: tuple[int, int] = CELL_SIZE) -> CellBox:
    """The thumbnail box of the index-th shot (row by row, in film order)."""
    width, height = cell
    row, column = divmod(index, columns)
    left = GAP + column * (width + GAP)
    top = HEADER_HEIGHT + GAP + row * (height + LABEL_HEIGHT + GAP)
    return CellBox("", left, top, left + width, top + height)


def sheet_size(count: int, columns: int, cell: tuple[int, int] = CELL_SIZE) -> tuple[int, int]:
    rows = max(1, math.ceil(count / columns))
    width, height = cell
    return GAP + columns * (width + GAP), HEADER_HEIGHT + GAP + rows * (height + LABEL_HEIGHT + GAP)


def draw_contact_sheet(
    shots: list[SheetShot], title: str, cell: tuple[int, int] = CELL_SIZE, max_columns: int = MAX_COLUMNS
) -> tuple[Image.Image, list[CellBox]]:
    """The sheet image and where each shot's thumbnail is on it. The header names the film and
    counts the shots and the new ones."""
    columns = sheet_columns(len(shots), max_columns)
    sheet = Image.new("RGB", sheet_size(len(shots), columns, cell), SHEET_BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    changed = sum(1 for shot in shots if shot.changed)
    header_font = font(18, BOLD)
    summary = f"{len(shots)} shots, {changed} new" if changed else f"{len(shots)} shots, none new"
    baseline = (HEADER_HEIGHT + cap_height(header_font)) / 2 + GAP / 2
    end = draw_text(draw, GAP, baseline, fit(title, header_font, sheet.width * 0.6), header_font, PAPER)
    draw_text(draw, end + 12, baseline, summary, font(15, SEMIBOLD), AMBER if changed else UNCHANGED_LABEL)
    boxes = []
    for index, shot in enumerate(shots):
        box = cell_box(index, columns, cell)
        _paste_fitted(sheet, shot.thumbnail, box, cell)
        if shot.changed:
            draw.rectangle(
                (box.left - BORDER, box.top - BORDER, box.right + BORDER - 1, box.bottom + BORDER - 1),
                outline=AMBER,
                width=BORDER,
            )
            _new_tag(draw, box)
        _label(draw, shot, box)
        boxes.append(CellBox(shot.code, box.left, box.top, box.right, box.bottom))
    return sheet, boxes


def _paste_fitted(sheet: Image.Image, thumbnail: Image.Image, box: CellBox, cell: tuple[int, int]) -> None:
    """The thumbnail scaled to fit the cell, centred on black (a portrait frame is pillarboxed)."""
    width, height = cell
    picture = thumbnail.convert("RGB")
    scale = min(width / picture.width, height / picture.height)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    picture = picture.resize(size, Image.Resampling.LANCZOS)
    sheet.paste((0, 0, 0), (box.left, box.top, box.right, box.bottom))
    sheet.paste(picture, (box.left + (width - size[0]) // 2, box.top + (height - size[1]) // 2))


def _new_tag(draw: ImageDraw.ImageDraw, box: CellBox) -> None:
    tag_font = font(13, BOLD)
    width = round(draw.textlength(NEW_TAG, font=tag_font)) + 10
    draw.rectangle((box.left, box.top, box.left + width, box.top + 18), fill=AMBER)
    draw_text(draw, box.left + 5, box.top + 9 + cap_height(tag_font) / 2, NEW_TAG, tag_font, INK)


def _label(draw: ImageDraw.ImageDraw, shot: SheetShot, box: CellBox) -> None:
    label_font = font(14, SEMIBOLD)
    baseline = box.bottom + BORDER + (LABEL_HEIGHT - BORDER + cap_height(label_font)) / 2
    colour = AMBER if shot.changed else PAPER
    text = fit(f"{shot.code}  {shot.version}", label_font, box.right - box.left)
    draw_text(draw, box.left, baseline, text, label_font, colour)
