"""Reminder ladders: on which days before a deadline a reminder goes out, and at what time.

A stage is an offset in days before the due date (0 = on the day, negative = overdue). After
downtime only the latest due stage is sent: nobody needs five stale reminders at once.
Reminders go out at 08:00 Amsterdam time on the stage's day, so a change to or from summer
time moves no stage to another day and skips or doubles none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SEND_AT = time(8, 0)

DEFAULT_LADDERS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "mandate_needed": ((90, 60, 30, 14, 7, 0, -1), ("legal_officer", "policy_officer")),
    "mandate_expiring": ((90, 60, 30, 14, 7, 0), ("legal_officer",)),
    "agreement_notice": ((90, 60, 30, 14, 7, 0), ("project_group", "legal_officer")),
    "extension_decision": ((90, 60, 30, 14, 7, 0, -1), ("project_group", "policy_officer")),
    "tender_preparation": ((90, 60, 30, 14, 7, 0, -1), ("project_group",)),
    "evaluation_due": ((30, 14, 7, 0), ("project_group",)),
    "phase_end": ((60, 30, 7, 0), ("project_group",)),
    "manual": ((14, 7, 1, 0, -1), ("project_group", "policy_officer", "legal_officer")),
}


def stage_day(due_on: date, offset: int) -> date:
    return due_on - timedelta(days=offset)


def send_time(day: date) -> datetime:
    return datetime.combine(day, SEND_AT, tzinfo=AMSTERDAM).astimezone(UTC)


def local_day(now: datetime) -> date:
    return now.astimezone(AMSTERDAM).date()


def latest_due_stage(due_on: date, offsets: Sequence[int], now: datetime) -> int | None:
    """The last stage whose send time has come, or None when none has."""
    due = [o for o in offsets if send_time(stage_day(due_on, o)) <= now]
    return min(due) if due else None


def next_stage_day(due_on: date, offsets: Sequence[int], after: int | None) -> date | None:
    """The day of the first stage after ``after`` (all stages when None)."""
    later = [o for o in offsets if after is None or o < after]
    return stage_day(due_on, max(later)) if later else None


def stage_label(offset: int) -> str:
    if offset > 0:
        return f"over {offset} dag{'en' if offset != 1 else ''}"
    if offset == 0:
        return "vandaag"
    return "verlopen"
