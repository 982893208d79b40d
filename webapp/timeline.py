"""The phases of an arrangement as a server-side SVG timeline (no JavaScript, no inline CSS,
so it passes the content security policy). The page shows the same data in a table beside it,
and the bars carry their labels in text so the chart is readable without colour."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from markupsafe import Markup

from storage.arrangements import EvaluationMoment, Phase
from webapp.formatting import dutch_date

WIDTH = 760
LEFT = 10
RIGHT = 10
BAR_HEIGHT = 30
ROW = 44
# Colours from the palette of the voorbeeld theme; contrast ≥ 4.5:1 against white text.
PHASE_FILL = {"pilot": "#1a4a7a", "extension": "#2f6f3e", "structural": "#5a3d7a"}


def timeline_svg(
    phases: Sequence[Phase], moments: Sequence[EvaluationMoment], *, today: date
) -> Markup:
    if not phases:
        return Markup("")
    start = date(min(p.start_on for p in phases).year, 1, 1)
    last = max([p.end_on for p in phases] + [m.due_on for m in moments])
    end = date(last.year + 1, 1, 1)
    span = (end - start).days

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span

    height = 40 + ROW * len(phases) + 50
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="bw-timeline" role="img" aria-labelledby="timeline-title timeline-desc">',
        '<title id="timeline-title">Tijdlijn van de fasen</title>',
        '<desc id="timeline-desc">'
        + escape(
            "; ".join(
                f"{p.name}: {dutch_date(p.start_on)} tot en met {dutch_date(p.end_on)}"
                for p in phases
            )
        )
        + "</desc>",
    ]
    for year in range(start.year, end.year + 1):
        px = x(date(year, 1, 1))
        parts.append(
            f'<line x1="{px:.1f}" y1="20" x2="{px:.1f}" y2="{height - 30}" '
            'stroke="#8a8a8a" stroke-width="1"/>'
        )
        if year < end.year:
            parts.append(
                f'<text x="{px + 4:.1f}" y="14" font-size="15" fill="#1f1f1f">{year}</text>'
            )
    for row, phase in enumerate(phases):
        y = 30 + row * ROW
        x1, x2 = x(phase.start_on), x(phase.end_on)
        label = f"{phase.name} ({dutch_date(phase.start_on)} – {dutch_date(phase.end_on)})"
        parts.append(
            f'<rect x="{x1:.1f}" y="{y}" width="{max(x2 - x1, 2):.1f}" height="{BAR_HEIGHT}" '
            f'rx="3" fill="{PHASE_FILL.get(phase.kind, "#1a4a7a")}"/>'
        )
        parts.append(
            f'<text x="{x1 + 6:.1f}" y="{y + 20}" font-size="15" fill="#ffffff">'
            f"{escape(phase.name)}</text>"
        )
        parts.append(f"<title>{escape(label)}</title>")
    marker_y = 30 + ROW * len(phases) + 10
    for moment in moments:
        mx = x(moment.due_on)
        parts.append(
            f'<path d="M {mx:.1f} {marker_y} l 7 9 l -7 9 l -7 -9 z" fill="#8a4b00">'
            f"<title>{escape(moment.name + ': ' + dutch_date(moment.due_on))}</title></path>"
        )
    if start <= today <= end:
        tx = x(today)
        parts.append(
            f'<line x1="{tx:.1f}" y1="20" x2="{tx:.1f}" y2="{height - 20}" stroke="#b00020" '
            'stroke-width="2" stroke-dasharray="4 3"/>'
        )
        # Near the right edge the label runs leftwards so that it stays inside the picture.
        anchor, offset = ("end", -4) if tx > WIDTH - 180 else ("start", 4)
        parts.append(
            f'<text x="{tx + offset:.1f}" y="{height - 8}" font-size="14" fill="#b00020" '
            f'text-anchor="{anchor}">vandaag {escape(dutch_date(today))}</text>'
        )
    parts.append(
        f'<text x="{LEFT}" y="{height - 8}" font-size="12" fill="#1f1f1f">◆ evaluatiemoment</text>'
    )
    parts.append("</svg>")
    # Every text placed in the SVG above went through escape().
    return Markup("".join(parts))  # noqa: S704
