"""The tick's reminders hold the write lock only for short writes (issue 15, docs/security.md
S30): who receives what and the texts of the messages are worked out in a read, the sweep's
parts are written only when their deadlines are still as read, and the daily digest asks the
database per organisation, not per deadline."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from storage.deadlines import Deadline, Message
from tests.conftest import session_factory
from tests.support.write_lock import write_lock_free
from tests.workflows.deadlines.test_reminder_digests import DUE, WITHOUT_ACCOUNT, add_deadlines
from tests.workflows.deadlines.test_reminders import at
from workflows.deadlines import reminders
from workflows.rules.reminders import next_stage_day


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_s30_the_tick_works_out_reminders_and_digests_without_holding_the_write_lock(
    engine, monkeypatch
):
    """Each time the tick asks who receives a reminder (the sweep and the daily digest),
    another connection can begin a write transaction at once."""
    sessions = session_factory(engine)
    add_deadlines(sessions, ["Enschede", *WITHOUT_ACCOUNT])
    got_the_lock: list[bool] = []
    users_of = reminders._users

    def meanwhile(*args, **kwargs):
        got_the_lock.append(write_lock_free(engine.url.database))
        return users_of(*args, **kwargs)

    monkeypatch.setattr(reminders, "_users", meanwhile)
    result = reminders.tick(sessions, now=at("2026-06-16"), mailer=None)
    assert result["deadlines_due"] >= 4 and result["messages"] > 0
    assert got_the_lock and all(got_the_lock)


def test_a_deadline_moved_while_the_tick_works_out_its_reminder_keeps_its_new_date(
    engine, monkeypatch
):
    """The registers move a deadline after the sweep read it and before it wrote: the sweep
    does not write the stage it worked out for the old date over the new version, and sends
    no reminder of the old date."""
    sessions = session_factory(engine)
    moved_to = DUE + timedelta(days=90)
    (deadline_id,) = add_deadlines(sessions, ["Enschede"]).values()
    plan = reminders._plan

    def then_moved(*args, **kwargs):
        found = plan(*args, **kwargs)
        with sessions() as session, session.begin():
            deadline = session.get(Deadline, deadline_id)
            if deadline.due_on != moved_to:
                deadline.due_on = moved_to
                deadline.deadline_version += 1
                deadline.next_stage_on = next_stage_day(moved_to, [14, 7, 1, 0, -1], None)
        return found

    monkeypatch.setattr(reminders, "_plan", then_moved)
    reminders.tick(sessions, now=at("2026-06-16"), mailer=None)
    with sessions() as session:
        deadline = session.get(Deadline, deadline_id)
        listed = session.scalars(select(Message.body)).all()
        assert (deadline.due_on, deadline.last_stage, deadline.next_stage_on) == (
            moved_to,
            None,
            moved_to - timedelta(days=14),
        )
    assert not [body for body in listed if "Raadsinformatiebrief logeerzorg namens" in body]


def test_the_daily_digest_asks_who_receives_it_per_organisation_not_per_deadline(engine):
    sessions = session_factory(engine)
    names = ["Enschede", *WITHOUT_ACCOUNT]

    def queries() -> int:
        seen: list[str] = []

        def count(*args, **kwargs):
            seen.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            with sessions() as session:
                made = reminders.digest(session, now=at("2026-06-20"))
                session.rollback()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert made > 0
        return len(seen)

    add_deadlines(sessions, names)
    few = queries()
    for days in range(1, 10):
        add_deadlines(sessions, names, due=DUE - timedelta(days=days))
    assert date(2026, 6, 20) < DUE - timedelta(days=9)
    assert queries() == few


def test_a_tick_before_eight_with_more_stages_due_today_than_one_batch_ends(engine, monkeypatch):
    """Stages due today wait for eight o'clock; a tick at seven reads them, finds nothing to
    change and ends, however many there are (before, it read the same batch again until
    eight)."""
    sessions = session_factory(engine)
    monkeypatch.setattr(reminders, "SWEEP_BATCH", 2)
    stage_day = DUE - timedelta(days=14)
    add_deadlines(sessions, ["Enschede", *WITHOUT_ACCOUNT])
    outcome: list[dict[str, int]] = []
    worker = threading.Thread(
        target=lambda: outcome.append(
            reminders.tick(sessions, now=at(stage_day.isoformat(), 7), mailer=None)
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=120)
    assert outcome, "the tick did not end"
    with sessions() as session:
        waiting = session.scalars(select(Deadline.next_stage_on).where(Deadline.key.like("test|%")))
        assert set(waiting) == {stage_day}
