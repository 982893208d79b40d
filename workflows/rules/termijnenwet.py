"""The Algemene termijnenwet (Atw): when a statutory term really ends.

- art. 1: a term that ends on a Saturday, Sunday or recognised holiday ends on the next day
  that is none of these (not for terms counted backwards);
- art. 2: a term of at least three days is extended, where needed, so that it contains at least
  two days that are not a Saturday, Sunday or holiday;
- art. 3: the holidays: Nieuwjaarsdag, tweede Paasdag, tweede Pinksterdag, eerste en tweede
  Kerstdag, Hemelvaartsdag, the day the King's birthday is celebrated (27 April, or 26 April
  when the 27th is a Sunday), 5 mei (every year); Goede Vrijdag is treated as one (lid 2); plus
  days designated by decree (lid 3: passed in as ``extra``);
- art. 4: it does not apply to terms in hours, nor to terms of more than 90 days, 12 weeks or
  3 months, nor to terms in years.

Months are counted to the same day number, or to the last day of that month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

from workflows.rules.dates import in_words
from workflows.rules.periods import add_months

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MAX_DAYS, MAX_WEEKS, MAX_MONTHS = 90, 12, 3


@lru_cache(maxsize=256)
def _statutory(year: int) -> dict[date, str]:
    sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = date(year, 4, 26)
    return {
        date(year, 1, 1): "Nieuwjaarsdag",
        sunday - timedelta(days=2): "Goede Vrijdag",
        sunday + timedelta(days=1): "tweede Paasdag",
        kings_day: "Koningsdag",
        date(year, 5, 5): "Bevrijdingsdag",
        sunday + timedelta(days=39): "Hemelvaartsdag",
        sunday + timedelta(days=50): "tweede Pinksterdag",
        date(year, 12, 25): "eerste Kerstdag",
        date(year, 12, 26): "tweede Kerstdag",
    }


def holidays_of(year: int, extra: Mapping[date, str] | None = None) -> dict[date, str]:
    days = dict(_statutory(year))
    days.update({d: name for d, name in (extra or {}).items() if d.year == year})
    return days


def holiday_name(day: date, extra: Mapping[date, str] | None = None) -> str | None:
    return holidays_of(day.year, extra).get(day)


def is_working_day(day: date, extra: Mapping[date, str] | None = None) -> bool:
    return day.weekday() < 5 and holiday_name(day, extra) is None


def why_not_working(day: date, extra: Mapping[date, str] | None = None) -> str:
    """``5 mei, Bevrijdingsdag`` or ``zaterdag 2 mei 2026``."""
    name = holiday_name(day, extra)
    if name:
        day_and_month = in_words(day).rsplit(" ", 1)[0]
        return f"{day_and_month}, {name}"
    return f"{WEEKDAYS[day.weekday()]} {in_words(day)}"


def next_working_day(day: date, extra: Mapping[date, str] | None = None) -> date:
    while not is_working_day(day, extra):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int, extra: Mapping[date, str] | None = None) -> date:
    """``count`` working days after (or, when negative, before) ``day``."""
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day, extra):
            remaining -= 1
    return day


@dataclass(frozen=True)
class TermEnd:
    start_on: date
    unadjusted_end_on: date
    end_on: date
    applies: bool
    reason: str


def term_end(
    start_on: date,
    *,
    days: int = 0,
    weeks: int = 0,
    months: int = 0,
    extra: Mapping[date, str] | None = None,
) -> TermEnd:
    """The end of a term that starts the day after ``start_on`` (the day of the act does not
    count) and runs ``days``, ``weeks`` or ``months`` (exactly one of them)."""
    given = [n for n in (days, weeks, months) if n]
    if len(given) != 1 or given[0] < 0:
        raise ValueError("Geef precies één termijn: dagen, weken of maanden (een positief getal).")
    if days:
        unadjusted, too_long = start_on + timedelta(days=days), days > MAX_DAYS
        limit = f"meer dan {MAX_DAYS} dagen"
    elif weeks:
        unadjusted, too_long = start_on + timedelta(weeks=weeks), weeks > MAX_WEEKS
        limit = f"meer dan {MAX_WEEKS} weken"
    else:
        unadjusted, too_long = add_months(start_on, months), months > MAX_MONTHS
        limit = f"meer dan {MAX_MONTHS} maanden"
    if too_long:
        return TermEnd(
            start_on,
            unadjusted,
            unadjusted,
            False,
            f"Algemene termijnenwet niet van toepassing: termijn van {limit} (art. 4).",
        )
    end = unadjusted
    reasons: list[str] = []
    if not is_working_day(end, extra):
        moved = next_working_day(end, extra)
        reasons.append(
            f"{why_not_working(end, extra)}: de termijn eindigt op "
            f"{WEEKDAYS[moved.weekday()]} {in_words(moved)} (art. 1 Atw)"
        )
        end = moved
    length = (unadjusted - start_on).days
    if length >= 3:
        while _working_days_between(start_on, end, extra) < 2:
            end = next_working_day(end + timedelta(days=1), extra)
            reasons.append(
                f"verlengd tot {WEEKDAYS[end.weekday()]} {in_words(end)}: de termijn moet twee "
                "werkdagen bevatten (art. 2 Atw)"
            )
    reason = "; ".join(reasons) if reasons else "Geen verschuiving nodig."
    return TermEnd(start_on, unadjusted, end, True, reason)


def _working_days_between(start_on: date, end_on: date, extra: Mapping[date, str] | None) -> int:
    day, count = start_on + timedelta(days=1), 0
    while day <= end_on:
        count += is_working_day(day, extra)
        day += timedelta(days=1)
    return count
