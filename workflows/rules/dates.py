"""Reading dates as Dutch officers type them: ``2026-02-28`` (ISO, what date inputs send) and
``28-2-2026`` / ``28-02-2026`` (what people type)."""

from __future__ import annotations

import re
from datetime import date

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DUTCH = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


def parse_date(value: str, *, label: str) -> date:
    """The date in ``value``; ValueError with a Dutch message naming ``label`` otherwise."""
    text = value.strip()
    match = _ISO.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _DUTCH.match(text)
        if not match:
            raise ValueError(f"{label}: '{text}' is geen datum; schrijf bijvoorbeeld 27-05-2025.")
        day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(
            f"{label}: {day:02d}-{month:02d}-{year} bestaat niet in de kalender."
        ) from None


_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def in_words(day: date) -> str:
    """``27 mei 2025``: how a date stands in a Dutch sentence (Babel does the same in pages)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
