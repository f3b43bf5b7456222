"""Share cards: a 1200x630 PNG per trip and per year, for social media and newsletters.

What a city posts about a trip is what the ledger says: the card is drawn from
the same public state and the same sentences as the page, in the reader's
language, with the page's address on it, so a reposted image still says where
to check it. The font (Source Sans Pro, SIL Open Font License) comes as a
package, so no system font is needed, and it writes every letter of the four
languages.
"""

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass

import font_source_sans_pro  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT, MARGIN = 1200, 630, 64
INK, MUTED, ACCENT, WARN, PAPER = "#1b1f24", "#4a5560", "#0b5fa5", "#9a4a00", "#ffffff"


@dataclass(frozen=True)
class Figure:
    value: str
    label: str


@functools.cache
def _font(size: int, weight: str = "") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_source_sans_pro.font_files_ttf[f"SourceSansPro{weight}"], size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _clip(lines: list[str], most: int) -> list[str]:
    return lines if len(lines) <= most else [*lines[: most - 1], lines[most - 1] + " …"]


def _frame(site: str, address: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 14), fill=ACCENT)
    draw.text((MARGIN, 40), site, font=_font(32, "Semibold"), fill=ACCENT)
    draw.line((MARGIN, HEIGHT - 84, WIDTH - MARGIN, HEIGHT - 84), fill="#d0d7de", width=2)
    draw.text((MARGIN, HEIGHT - 64), address, font=_font(26), fill=MUTED)
    return image, draw


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def trip(site: str, title: str, lines: Sequence[str], warnings: str | None, address: str) -> bytes:
    """A trip's card: its title, a few sentences of its summary, its checklist warnings."""
    image, draw = _frame(site, address)
    width, top = WIDTH - 2 * MARGIN, 100
    heading = _font(56, "Semibold")
    for line in _clip(_wrap(draw, title, heading, width), 2):
        draw.text((MARGIN, top), line, font=heading, fill=INK)
        top += 64
    top += 12
    body = _font(30)
    room = (HEIGHT - 110 - top - (44 if warnings else 0)) // 40
    said: list[str] = []
    for sentence in lines:
        said += _wrap(draw, sentence, body, width)
    for line in _clip(said, max(1, room)):
        draw.text((MARGIN, top), line, font=body, fill=INK)
        top += 40
    if warnings:
        draw.text((MARGIN, HEIGHT - 140), warnings, font=_font(30), fill=WARN)
    return _png(image)


def year(site: str, heading: str, figures: Sequence[Figure], address: str) -> bytes:
    """A year's card: up to six of its figures, each a value and its words."""
    image, draw = _frame(site, address)
    draw.text((MARGIN, 96), heading, font=_font(52, "Semibold"), fill=INK)
    column = (WIDTH - 2 * MARGIN) // 3
    value_font, label_font = _font(60, "Semibold"), _font(28)
    for place, figure in enumerate(figures[:6]):
        x, y = MARGIN + (place % 3) * column, 180 + (place // 3) * 170
        draw.text((x, y), figure.value, font=value_font, fill=ACCENT)
        for step, line in enumerate(_clip(_wrap(draw, figure.label, label_font, column - 24), 2)):
            draw.text((x, y + 70 + step * 32), line, font=label_font, fill=INK)
    return _png(image)
