"""The dailies reel's cards: a slate that opens each scene, and the burn-in laid over each take so a
reviewer reads what they are looking at (shot, version, why it was made, what made it, its
review state) without leaving the picture.

Pure Pillow, drawn with the project's font (text.py), at the reel's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from film_assets.domain.storyboard.palette import AMBER, CARD, PAPER, Color
from film_assets.domain.storyboard.text import BOLD, REGULAR, SEMIBOLD, cap_height, draw_text, fit, font, wrap

MUTED: Color = (150, 150, 158)
BAND_ALPHA = 190  # dark enough to read white text over a white sky, light enough to see the picture
BAND_FILL = (12, 12, 16, BAND_ALPHA)
STATE_COLOURS: dict[str, Color] = {
    "pending": MUTED,
    "approved": (120, 210, 130),
    "rejected": (235, 100, 90),
    "changes_requested": AMBER,
}


@dataclass(frozen=True)
class BurnIn:
    """What a take's burn-in says."""

    code: str  # SQ010_SH020
    version: str  # v003
    reason: str  # new | changed | forced
    model: str  # the renderer or model that drew the keyframe
    seed: int | str
    date: str  # when the take was made, as shown
    state: str = "pending"  # its review state

    def headline(self) -> str:
        return f"{self.code}  {self.version}"

    def details(self) -> str:
        parts = [self.reason, self.model, f"seed {self.seed}" if self.seed != "" else "", self.date]
        return "  \u00b7  ".join(part for part in parts if part)

    def state_label(self) -> str:
        return self.state.replace("_", " ").upper()


def _unit(width: int, height: int) -> float:
    """The text scale: the height of a 16:9 frame that fits, so a portrait take stays readable."""
    return min(height, width * 9 / 16)


def burn_in_band_height(width: int, height: int) -> int:
    """Rows the burn-in band takes: two lines of text and their margins."""
    line = _line_height(width, height)
    return min(height, round(line * 2 + _margin(width, height) * 2))


def _text_size(width: int, height: int) -> int:
    return max(8, round(_unit(width, height) * 0.034))


def _line_height(width: int, height: int) -> float:
    return _text_size(width, height) * 1.35


def _margin(width: int, height: int) -> float:
    return max(2.0, _text_size(width, height) * 0.5)


def burn_in_band(width: int, height: int, at: str = "bottom") -> tuple[int, int]:
    """The rows [top, bottom) the band covers; everything else of the burn-in is transparent."""
    band = burn_in_band_height(width, height)
    if at == "bottom":
        return height - band, height
    if at == "top":
        return 0, band
    raise ValueError(f"a burn-in goes at the 'top' or the 'bottom' of the frame, not {at!r}")


def burn_in_image(width: int, height: int, burn: BurnIn, at: str = "bottom") -> Image.Image:
    """An RGBA overlay of the take's size: transparent except a dark band holding the shot code,
    version and review state on one line, and reason, model, seed and date on the next."""
    top, bottom = burn_in_band(width, height, at)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, top, width - 1, bottom - 1), fill=BAND_FILL)
    size, line, margin = _text_size(width, height), _line_height(width, height), _margin(width, height)
    headline_font, detail_font, state_font = font(size, BOLD), font(size, REGULAR), font(size, SEMIBOLD)
    room = width - 2 * margin
    first = top + margin + (line + cap_height(headline_font)) / 2
    state = burn.state_label()
    state_width = min(state_font.getlength(state), room * 0.45)
    end = draw_text(
        draw, margin, first, fit(burn.headline(), headline_font, room - state_width - margin), headline_font, AMBER
    )
    if end + margin + state_width <= width - margin + 0.5:
        state_x = width - margin - state_width
        draw_text(draw, state_x, first, fit(state, state_font, state_width), state_font, _state_colour(burn.state))
    second = first + line
    draw_text(draw, margin, second, fit(burn.details(), detail_font, room), detail_font, PAPER)
    return image


def _state_colour(state: str) -> Color:
    return STATE_COLOURS.get(state, MUTED)


def slate_image(
    width: int,
    height: int,
    project_title: str,
    scene_label: str,
    scene_heading: str,
    takes_count: int,
    date: str,
) -> Image.Image:
    """A clean slate card opening a scene of the reel: the film's title, the scene (SQ010) large,
    its heading, and how many takes follow, dated."""
    image = Image.new("RGB", (width, height), CARD)
    draw = ImageDraw.Draw(image)
    unit = _unit(width, height)
    margin = max(4.0, width * 0.06)
    room = width - 2 * margin
    title_font = font(max(8, round(unit * 0.05)), SEMIBOLD)
    label_font = font(max(12, round(unit * 0.16)), BOLD)
    heading_font = font(max(8, round(unit * 0.06)), SEMIBOLD)
    foot_font = font(max(8, round(unit * 0.045)), REGULAR)

    draw_text(draw, margin, margin + cap_height(title_font), fit(project_title, title_font, room), title_font, MUTED)
    label_base = height * 0.5
    draw_text(draw, margin, label_base, fit(scene_label, label_font, room), label_font, AMBER)
    rule = label_base + max(2.0, unit * 0.03)
    draw.rectangle((margin, rule, margin + min(room, unit * 0.5), rule + max(1, round(unit * 0.006))), fill=AMBER)
    heading_line = heading_font.size * 1.25
    baseline = rule + max(4.0, unit * 0.04) + cap_height(heading_font)
    # as many heading lines as fit above the footer (two at most): a tiny reel drops them, never overlaps
    footer_top = height - margin - cap_height(foot_font) - max(2.0, unit * 0.03)
    lines = min(2, max(0, int((footer_top - baseline) // heading_line) + 1))
    for text in wrap(scene_heading, heading_font, room, lines) if lines else []:
        draw_text(draw, margin, baseline, text, heading_font, PAPER)
        baseline += heading_line
    takes = f"{takes_count} take" + ("" if takes_count == 1 else "s")
    draw_text(draw, margin, height - margin, fit(f"{takes}  \u00b7  {date}", foot_font, room), foot_font, MUTED)
    return image
