"""Bar charts for Word documents (the evaluatierapportage), drawn as PNG with Pillow.

A chart in a report goes to fourteen colleges, is printed in black and white and read aloud by
screen readers, so: grey bars with the value written beside each, an optional black marker (a
budget) explained in the caption, no colour that carries meaning, and an alternative text that
states every value. Drawing is deterministic: the same figures give the same bytes, so that an
unchanged report keeps its sha256.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from workflows.documents.engine.docx_render import Picture

# Drawn at 100 pixels per cm (254 dpi) for a sharp print; placed at WIDTH_CM in the document.
WIDTH_CM = 16.0
_PX_PER_CM = 100
_ROW_PX = 62
_BAR_PX = 34
_FONT_PX = 30
_MARGIN_PX = 16
_LABEL_SHARE = 0.30
_VALUE_PX = 190

# The report's own typeface where it is installed (Liberation Sans comes with LibreOffice, which
# makes the PDFs), else DejaVu Sans; else Pillow's built-in font, which has no euro sign.
_FONT_FILES = (
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)

_INK = (0, 0, 0)
_BAR = (77, 77, 77)
_TRACK = (230, 230, 230)
_WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader sees it, e.g. "77,7%" or "€ 12.466,16"
    marker: float | None = None  # drawn as a black line, e.g. the budget
    marker_text: str = ""


def bar_chart(title: str, bars: Sequence[Bar], *, scale: float, marker_name: str = "") -> Picture:
    """Horizontal bars from 0 to ``scale``; ``title`` opens the alternative text."""
    width = int(WIDTH_CM * _PX_PER_CM)
    height = _MARGIN_PX * 2 + _ROW_PX * max(1, len(bars))
    image = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(image)
    font, has_euro = _font()
    label_px = int(width * _LABEL_SHARE)
    left = label_px + _MARGIN_PX
    right = width - _VALUE_PX - _MARGIN_PX
    span = max(1, right - left)
    top = _MARGIN_PX
    for bar in bars:
        middle = top + _ROW_PX // 2
        draw.text(
            (label_px, middle),
            _fitted(draw, bar.label, font, label_px - _MARGIN_PX),
            _INK,
            font,
            anchor="rm",
        )
        y0, y1 = middle - _BAR_PX // 2, middle + _BAR_PX // 2
        draw.rectangle((left, y0, right, y1), fill=_TRACK)
        end = left + round(span * _share(bar.value, scale))
        if end > left:
            draw.rectangle((left, y0, end, y1), fill=_BAR)
        if bar.marker is not None:
            x = left + round(span * _share(bar.marker, scale))
            draw.rectangle((x - 2, y0 - 8, x + 2, y1 + 8), fill=_INK)
        shown = bar.text if has_euro else bar.text.replace("€", "EUR").replace("\xa0", " ")
        draw.text((right + _MARGIN_PX, middle), shown, _INK, font, anchor="lm")
        top += _ROW_PX
    output = io.BytesIO()
    image.save(output, format="PNG")
    return Picture(
        png=output.getvalue(),
        width_cm=WIDTH_CM,
        height_cm=height / _PX_PER_CM,
        description=_description(title, bars, marker_name),
    )


def _font() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    for path in _FONT_FILES:
        try:
            return ImageFont.truetype(path, _FONT_PX), True
        except OSError:
            continue
    return ImageFont.load_default(size=_FONT_PX), False


def _share(value: float, scale: float) -> float:
    return 0.0 if scale <= 0 else max(0.0, min(1.0, value / scale))


def _fitted(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    room: int,
) -> str:
    """The label, shortened with an ellipsis when it does not fit (the table beside it has the
    full name)."""
    if draw.textlength(text, font=font) <= room:
        return text
    while text and draw.textlength(text + "…", font=font) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _description(title: str, bars: Sequence[Bar], marker_name: str) -> str:
    if not bars:
        return f"{title}: geen gegevens."
    parts = []
    for bar in bars:
        extra = f" ({marker_name} {bar.marker_text})" if bar.marker is not None else ""
        parts.append(f"{bar.label} {bar.text}{extra}")
    return f"{title}: " + "; ".join(parts) + "."
