"""Phase arithmetic. Phase ends are inclusive ("t/m" in the agenda forms)."""

from __future__ import annotations

from datetime import date


def phase_status_on(start_on: date, end_on: date, *, today: date) -> str:
    if today < start_on:
        return "planned"
    if today > end_on:
        return "ended"
    return "active"


def days_inclusive(start_on: date, end_on: date) -> int:
    return (end_on - start_on).days + 1
