"""The Algemene termijnenwet (Atw): when a statutory term really ends.

- art. 1: a term that ends on a Saturday, Sunday or recognised holiday ends on the next day
  that is none of these (not for terms counted backwards);
- art. 2: a term of at least three days is extended, where needed, so that it contains at least
  two days that are not a Saturday, Sunday or holiday;
- art. 3 lid 1: the holidays: Nieuwjaarsdag, tweede Paasdag, tweede Pinksterdag, eerste en
  tweede Kerstdag, Hemelvaartsdag, the day the King's birthday is celebrated, 5 mei; lid 2:
  Goede Vrijdag counts as one; lid 3: days equated with them by Royal Decree, published in the
  Staatscourant. Those are data (kept by the beheerder), passed in as ``equated``: date -> how
  a reason names the day;
- art. 4: it does not apply to terms in hours, nor to terms of more than 90 days, 12 weeks or
  3 months, nor to terms in years;
- art. 7: it applies from 1 April 1965.

The holidays of lid 1 as they were in each year (docs/algemene-termijnenwet.md names the
sources): Koninginnedag 30 April until 2013 (until 1979 moved to Monday 1 May when the 30th was
a Sunday; from 1980 to Saturday 29 April), Koningsdag 27 April from 2014 (26 April when the
27th is a Sunday); 5 mei from 1982, when it was added to lid 1.

Months are counted to the same day number, or to the last day of that month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

from workflows.rules.dutch_format import long_date
from workflows.rules.periods import add_months

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MAX_DAYS, MAX_WEEKS, MAX_MONTHS = 90, 12, 3
IN_FORCE_ON = date(1965, 4, 1)  # art. 7 lid 1
FIFTH_OF_MAY_FROM = 1982  # added to art. 3 lid 1 in 1982; its Staatsblad is to be confirmed (docs)
KINGS_DAY_FROM = 2014  # KB van 30 januari 2013, nr. 13.000173
QUEENS_DAY_TO_SATURDAY_FROM = 1980  # KB van 24 april 1980, nr. 11

Equated = Mapping[date, str]


def royal_day(year: int) -> tuple[date, str]:
    """The day the monarch's birthday is celebrated in ``year`` (art. 3 lid 1), and its name."""
    if year >= KINGS_DAY_FROM:
        day = date(year, 4, 27)
        return (day - timedelta(days=1) if day.weekday() == 6 else day), "Koningsdag"
    day = date(year, 4, 30)
    if day.weekday() == 6:
        day += timedelta(days=-1 if year >= QUEENS_DAY_TO_SATURDAY_FROM else 1)
    return day, "Koninginnedag"


@lru_cache(maxsize=256)
def _statutory(year: int) -> dict[date, str]:
    """Art. 3 lid 1 and 2 as they stood in ``year``; nothing before the law applied."""
    if year < IN_FORCE_ON.year:
        return {}
    sunday = easter(year)
    royal, royal_name = royal_day(year)
    days = {
        date(year, 1, 1): "Nieuwjaarsdag",
        sunday - timedelta(days=2): "Goede Vrijdag",
        sunday + timedelta(days=1): "tweede Paasdag",
        royal: royal_name,
        sunday + timedelta(days=39): "Hemelvaartsdag",
        sunday + timedelta(days=50): "tweede Pinksterdag",
        date(year, 12, 25): "eerste Kerstdag",
        date(year, 12, 26): "tweede Kerstdag",
    }
    if year >= FIFTH_OF_MAY_FROM:
        days[date(year, 5, 5)] = "Bevrijdingsdag"
    return {day: name for day, name in days.items() if day >= IN_FORCE_ON}


def equated_name(decree: str) -> str:
    """How a reason names a day equated with a holiday (art. 3 lid 3), with its decree."""
    name = "bij koninklijk besluit met een feestdag gelijkgesteld"
    return f"{name} ({decree.strip()})" if decree.strip() else name


def holidays_of(year: int, equated: Equated | None = None) -> dict[date, str]:
    days = {d: name for d, name in (equated or {}).items() if d.year == year}
    days.update(_statutory(year))  # a statutory holiday keeps its own name
    return dict(sorted(days.items()))


def holiday_name(day: date, equated: Equated | None = None) -> str | None:
    name = _statutory(day.year).get(day)
    if name is None and equated:
        name = equated.get(day)
    return name


def is_working_day(day: date, equated: Equated | None = None) -> bool:
    return day.weekday() < 5 and holiday_name(day, equated) is None


def why_not_working(day: date, equated: Equated | None = None) -> str:
    """``5 mei, Bevrijdingsdag`` or ``zaterdag 2 mei 2026``."""
    name = holiday_name(day, equated)
    if name:
        day_and_month = long_date(day).rsplit(" ", 1)[0]
        return f"{day_and_month}, {name}"
    return f"{WEEKDAYS[day.weekday()]} {long_date(day)}"


def next_working_day(day: date, equated: Equated | None = None) -> date:
    while not is_working_day(day, equated):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int, equated: Equated | None = None) -> date:
    """``count`` working days after (or, when negative, before) ``day``."""
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day, equated):
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
    equated: Equated | None = None,
) -> TermEnd:
    """The end of a term that starts the day after ``start_on`` (the day of the act does not
    count) and runs ``days``, ``weeks`` or ``months`` (exactly one of them). ``equated``: the
    days equated with holidays by Royal Decree (art. 3 lid 3)."""
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
    if start_on < IN_FORCE_ON:
        return TermEnd(
            start_on,
            unadjusted,
            unadjusted,
            False,
            "Algemene termijnenwet niet van toepassing: de wet geldt vanaf "
            f"{long_date(IN_FORCE_ON)} (art. 7) en deze termijn begint op {long_date(start_on)}.",
        )
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
    if not is_working_day(end, equated):
        moved = next_working_day(end, equated)
        reasons.append(
            f"{why_not_working(end, equated)}: de termijn eindigt op "
            f"{WEEKDAYS[moved.weekday()]} {long_date(moved)} (art. 1 Atw)"
        )
        end = moved
    length = (unadjusted - start_on).days
    if length >= 3:
        while _working_days_between(start_on, end, equated) < 2:
            end = next_working_day(end + timedelta(days=1), equated)
            reasons.append(
                f"verlengd tot {WEEKDAYS[end.weekday()]} {long_date(end)}: de termijn moet twee "
                "werkdagen bevatten (art. 2 Atw)"
            )
    reason = "; ".join(reasons) if reasons else "Geen verschuiving nodig."
    return TermEnd(start_on, unadjusted, end, True, reason)


def _working_days_between(start_on: date, end_on: date, equated: Equated | None) -> int:
    day, count = start_on + timedelta(days=1), 0
    while day <= end_on:
        count += is_working_day(day, equated)
        day += timedelta(days=1)
    return count
