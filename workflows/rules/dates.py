"""Reading dates as Dutch officers type them: ``2026-02-28`` (ISO, what date inputs send) and
``28-2-2026`` / ``28-02-2026`` (what people type)."""

from __future__ import annotations

import re
from datetime import date

from workflows.rules.dutch_format import long_date

_ISO = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_DUTCH = re.compile(r"^([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})$")

# The calendar Besluitwerk reckons in. Terms, notice periods, extensions and backward planning
# add or subtract up to centuries of days from a typed date; near year 1 or 9999 that runs off
# Python's calendar (a crash, not an answer), and no decision of a municipality lies there.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


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
        found = date(year, month, day)
    except ValueError:
        raise ValueError(
            f"{label}: {day:02d}-{month:02d}-{year} bestaat niet in de kalender."
        ) from None
    if not EARLIEST <= found <= LATEST:
        raise ValueError(
            f"{label}: {long_date(found)} valt buiten de kalender van Besluitwerk; kies een datum "
            f"van {long_date(EARLIEST)} tot en met {long_date(LATEST)}."
        )
    return found
