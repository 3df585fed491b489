"""The dailies' contact sheet: one cell per take in reel order, labelled with its shot code and
version and tagged with its review state, in the contact sheet's layout (contact_sheet.py).

Pure Pillow: the caller passes the thumbnails already decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from film_assets.domain.storyboard.contact_sheet import (
    CELL_SIZE,
    GAP,
    HEADER_HEIGHT,
    LABEL_HEIGHT,
    MAX_COLUMNS,
    SHEET_BACKGROUND,
    cell_box,
    sheet_columns,
    sheet_size,
)
from film_assets.domain.storyboard.palette import INK, PAPER
from film_assets.domain.storyboard.slate import MUTED, STATE_COLOURS
from film_assets.domain.storyboard.text import BOLD, SEMIBOLD, cap_height, draw_text, fit, font


@dataclass(frozen=True)
class DailiesCell:
    code: str  # SQ010_SH020
    version: str  # v003
    state: str  # pending | approved | rejected | changes_requested
    thumbnail: Image.Image


def draw_dailies_sheet(
    cells: list[DailiesCell], title: str, summary: str, cell: tuple[int, int] = CELL_SIZE
) -> Image.Image:
    """The sheet: a header with the title and a summary (counts by state), then the cells."""
    columns = sheet_columns(len(cells), MAX_COLUMNS)
    sheet = Image.new("RGB", sheet_size(len(cells), columns, cell), SHEET_BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    header_font = font(18, BOLD)
    baseline = (HEADER_HEIGHT + cap_height(header_font)) / 2 + GAP / 2
    end = draw_text(draw, GAP, baseline, fit(title, header_font, sheet.width * 0.6), header_font, PAPER)
    summary_font = font(15, SEMIBOLD)
    draw_text(
        draw, end + 12, baseline, fit(summary, summary_font, max(0, sheet.width - end - 12 - GAP)), summary_font, MUTED
    )
    for index, take in enumerate(cells):
        box = cell_box(index, columns, cell)
        _paste_fitted(sheet, take.thumbnail, (box.left, box.top), cell)
        _state_tag(draw, take.state, box.left, box.top, cell[0])
        label_font = font(14, SEMIBOLD)
        label_base = box.bottom + (LABEL_HEIGHT + cap_height(label_font)) / 2
        draw_text(
            draw, box.left, label_base, fit(f"{take.code}  {take.version}", label_font, cell[0]), label_font, PAPER
        )
    return sheet


def _paste_fitted(sheet: Image.Image, thumbnail: Image.Image, at: tuple[int, int], cell: tuple[int, int]) -> None:
    """The thumbnail scaled to fit the cell, centred on black."""
    width, height = cell
    picture = thumbnail.convert("RGB")
    scale = min(width / picture.width, height / picture.height)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    picture = picture.resize(size, Image.Resampling.LANCZOS)
    sheet.paste((0, 0, 0), (at[0], at[1], at[0] + width, at[1] + height))
    sheet.paste(picture, (at[0] + (width - size[0]) // 2, at[1] + (height - size[1]) // 2))


def _state_tag(draw: ImageDraw.ImageDraw, state: str, left: int, top: int, width: int) -> None:
    """The review state in its colour, in the thumbnail's top-left corner."""
    tag_font = font(12, BOLD)
    text = fit(state.replace("_", " ").upper(), tag_font, width - 10)
    tag_width = round(tag_font.getlength(text)) + 10
    draw.rectangle((left, top, left + tag_width, top + 17), fill=STATE_COLOURS.get(state, MUTED))
    draw_text(draw, left + 5, top + 8.5 + cap_height(tag_font) / 2, text, tag_font, INK)
