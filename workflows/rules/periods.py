"""Calendar arithmetic for terms of agreements and mandates.

Months are counted to the same day number, or to the last day of the month where that day
does not exist (31 January + 1 month = 28 February), as the Algemene termijnenwet counts them.
End dates are inclusive.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def end_after_months(start_on: date, months: int) -> date:
    """The inclusive end of a period of ``months`` starting on ``start_on``."""
    return add_months(start_on, months) - ONE_DAY


def extend_end(end_on: date, months: int) -> date:
    """The new inclusive end when a period ending on ``end_on`` is extended by ``months``."""
    return end_after_months(end_on + ONE_DAY, months)
