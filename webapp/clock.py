"""The one clock of the web layer: the use cases get time passed in as ``today=``/``now=``,
and this is where the web layer reads it, so a test can set it (a browser test that takes a
dossier from concept to besloten needs a meeting whose agenda is open *and* a decision date
that is not in the future)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from workflows.rules.reminders import AMSTERDAM


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in Amsterdam, where the colleges meet (not the server's time zone)."""
    return now().astimezone(AMSTERDAM).date()
