"""Issue 17, point 3: one Dutch date formatter. Every date a user reads (page, document, mail,
signal, audit log, error message) is written by ``long_date``; its month names are Babel's."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date

from workflows.rules.dates import EARLIEST, LATEST
from workflows.rules.dutch_format import LOCALE, long_date


def test_a_date_reads_as_in_a_dutch_sentence():
    assert long_date(date(2025, 5, 27)) == "27 mei 2025"
    assert long_date(date(2026, 3, 1)) == "1 maart 2026"


def test_every_day_of_a_leap_year_and_the_calendar_edges_read_as_babel_writes_them():
    days = [date(2028, 1, 1) + timedelta(days=n) for n in range(366)] + [EARLIEST, LATEST]
    for day in days:
        assert long_date(day) == format_date(day, "d MMMM y", locale=LOCALE), day
