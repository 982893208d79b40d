"""The Twente demo after the scheduler's first tick, on Monday 2 March 2026 at 08:00 in
Amsterdam: the deadlines derived and the first reminders made, with no mail server (e-mail stays
in the outbox). The ``ticked`` fixture of tests/conftest.py runs it."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from storage.accounts import User
from storage.deadlines import Deadline
from webapp.database import sessions
from workflows.deadlines import reminders

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)
# The signal the demo's tender after the pilot raises: no volmacht covers it yet.
MANDATE_NEEDED = (
    "nieuwe volmacht nodig: aanbesteding voorbereiden, aanbesteding uitvoeren, "
    "aanbesteding gunnen en overeenkomst sluiten namens"
)


def tick(app: Flask) -> dict[str, int]:
    return reminders.tick(sessions(app), now=NOW, mailer=None)


def page_text(response: TestResponse) -> str:
    """The page as a reader sees its text: entities unescaped."""
    return html.unescape(response.get_data(as_text=True))


def only_deadline(app: Flask, subject_part: str) -> Deadline:
    """The one deadline whose subject holds ``subject_part``, detached from its session."""
    with sessions(app)() as session:
        found = session.scalars(
            select(Deadline).where(Deadline.subject.contains(subject_part))
        ).all()
        assert len(found) == 1, f"expected one deadline with {subject_part!r}, found {len(found)}"
        session.expunge_all()
        return found[0]


def user_id(app: Flask, email: str) -> int:
    with sessions(app)() as session:
        return session.scalars(select(User.id).where(User.email == email)).one()


def manual_count(app: Flask) -> int:
    """How many deadlines people added by hand."""
    with sessions(app)() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Deadline).where(Deadline.source == "manual")
            )
            or 0
        )
