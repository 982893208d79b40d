"""The demo registers grown through the use cases, for tests that need more rows than the demo
has: a list that pages, a list whose statements must not grow with its rows (issue 15)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.accounts import User
from storage.arrangements import Arrangement
from tests.conftest import PROJECT
from workflows.actors import system_actor
from workflows.deadlines import deadlines
from workflows.demo.demo import ARRANGEMENT_NAME

SYSTEM = system_actor("test")


def project_group_member(session: Session) -> User:
    """The demo's project group member, who owns the deadlines the tests add."""
    return session.scalars(select(User).where(User.email == PROJECT)).one()


def demo_arrangement_id(session: Session) -> int:
    return session.scalars(select(Arrangement.id).where(Arrangement.name == ARRANGEMENT_NAME)).one()


def manual_deadlines(
    session: Session,
    subjects: Sequence[str],
    *,
    arrangement_id: int,
    owner_id: int,
    first_due: date,
    now: datetime,
) -> None:
    """A manual deadline per subject, due a day apart from ``first_due`` and added a second
    apart from ``now``: by due date and by time added, they stand in the subjects' order."""
    for number, subject in enumerate(subjects):
        deadlines.add_manual(
            session,
            SYSTEM,
            {
                "subject": subject,
                "due_on": first_due + timedelta(days=number),
                "arrangement_id": arrangement_id,
                "owner_id": owner_id,
            },
            now=now + timedelta(seconds=number),
        )
