"""Server-side SVG bar charts: labels and values are written as text, so the chart reads
without colour and without JavaScript; the page shows the same figures in a table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

WIDTH = 640
LABEL = 200
ROW = 26
BAR = 18
FILL = "#1a4a7a"


def bar_chart(title: str, rows: Sequence[tuple[str, float, str]], *, chart_id: str) -> Markup:
    """``rows`` are (label, value, value as text); bars scale to the largest value."""
    largest = max((value for _, value, _ in rows), default=0) or 1
    height = 30 + ROW * len(rows)
    span = WIDTH - LABEL - 160  # room for the value written after the bar
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="bw-chart" role="img" aria-labelledby="{chart_id}-title">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for index, (label, value, text) in enumerate(rows):
        y = 20 + index * ROW
        width = max(span * value / largest, 0)
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 13}" font-size="13" text-anchor="end" '
            f'fill="#1f1f1f">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{FILL}"/>'
        )
        parts.append(
            f'<text x="{LABEL + width + 6:.1f}" y="{y + 13}" font-size="13" '
            f'fill="#1f1f1f">{escape(text)}</text>'
        )
    parts.append("</svg>")
    # Every text placed above went through escape().
    return Markup("".join(parts))  # noqa: S704
