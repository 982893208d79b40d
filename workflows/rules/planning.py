"""Backward planning: a decision needed by date D is taken at the municipality's last B&W
meeting before D; its agenda closes N working days earlier, and co-advice takes M working days
before that. Each signal carries all of these dates. Working days and meeting days skip the
holidays of the Algemene termijnenwet and the days equated with them by Royal Decree
(``equated``, art. 3 lid 3), so the planning counts with the same days as the term calculator.

When the agenda of that meeting has closed, it is no longer the plan: what is still possible is
the next meeting whose agenda is open (``next_meeting``), even if that falls on or after D."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from workflows.rules.termijnenwet import Equated, add_working_days, holiday_name

SEARCH_DAYS = 800  # a college that has not met for two years has no calendar worth the name


@dataclass(frozen=True)
class MeetingCalendar:
    weekday: int = 1  # Tuesday, the indicative default of docs/domain.md
    agenda_lead_working_days: int = 10
    co_advice_working_days: int = 10
    recess_weeks: frozenset[int] = frozenset()
    no_meetings_christmas_to_new_year: bool = True


@dataclass(frozen=True)
class Plan:
    act_on: date
    latest_meeting_on: date
    agenda_closes_on: date
    start_by_on: date


def is_meeting_day(day: date, calendar: MeetingCalendar, equated: Equated | None = None) -> bool:
    if day.weekday() != calendar.weekday:
        return False
    if day.isocalendar().week in calendar.recess_weeks:
        return False
    if calendar.no_meetings_christmas_to_new_year and (
        (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)
    ):
        return False
    return holiday_name(day, equated) is None


def last_meeting_before(
    deadline: date, calendar: MeetingCalendar, equated: Equated | None = None
) -> date:
    day = deadline - timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        if is_meeting_day(day, calendar, equated):
            return day
        day -= timedelta(days=1)
    raise ValueError("Geen collegevergadering gevonden in de vergaderkalender.")


# The scheduler plans the same acts on the same calendars tick after tick and day after day,
# each plan a walk over working days; a plan depends on nothing else, so it is kept.
PLANS_KEPT = 65_536
_Days = tuple[tuple[date, str], ...]


def _frozen(equated: Equated | None) -> _Days:
    return tuple(sorted(equated.items())) if equated else ()


def plan_backwards(act_on: date, calendar: MeetingCalendar, equated: Equated | None = None) -> Plan:
    return _plan_backwards(act_on, calendar, _frozen(equated))


@lru_cache(maxsize=PLANS_KEPT)
def _plan_backwards(act_on: date, calendar: MeetingCalendar, frozen: _Days) -> Plan:
    equated = dict(frozen)
    meeting = last_meeting_before(act_on, calendar, equated)
    closes = add_working_days(meeting, -calendar.agenda_lead_working_days, equated)
    start = add_working_days(closes, -calendar.co_advice_working_days, equated)
    return Plan(act_on, meeting, closes, start)


def next_meeting(
    as_of: date, act_on: date, calendar: MeetingCalendar, equated: Equated | None = None
) -> Plan:
    """The first meeting whose agenda is still open on ``as_of`` (it closes on or after it),
    with its agenda closing day and the day co-advice should start; that day may have passed,
    when only a shortened co-advice still makes the meeting. ``act_on`` is carried along."""
    return _next_meeting(as_of, act_on, calendar, _frozen(equated))


@lru_cache(maxsize=PLANS_KEPT)
def _next_meeting(as_of: date, act_on: date, calendar: MeetingCalendar, frozen: _Days) -> Plan:
    equated = dict(frozen)
    day = as_of
    for _ in range(SEARCH_DAYS):
        if is_meeting_day(day, calendar, equated):
            closes = add_working_days(day, -calendar.agenda_lead_working_days, equated)
            if closes >= as_of:
                start = add_working_days(closes, -calendar.co_advice_working_days, equated)
                return Plan(act_on, day, closes, start)
        day += timedelta(days=1)
    raise ValueError("Geen collegevergadering gevonden in de vergaderkalender.")
