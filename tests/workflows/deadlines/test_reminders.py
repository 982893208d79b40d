"""Reminders are sent in time, by themselves, never lost and never twice (docs/security.md S29
and the scheduler faults): a real SMTP server on loopback receives them."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from storage.accounts import User
from storage.deadlines import Deadline, Message
from tests.conftest import LEGAL, POLICY, make_settings, session_factory
from tests.support import dispatcher
from tests.support.smtp import free_port, smtp_server
from webapp.mail import SmtpMailer
from workflows.deadlines import reminders
from workflows.rules.reminders import (
    AMSTERDAM,
    latest_due_stage,
    next_stage_day,
    send_time,
)


def at(day: str, hour: int = 9, minute: int = 0) -> datetime:
    """A moment in Amsterdam time, as an aware UTC datetime."""
    local = datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=AMSTERDAM)
    return local.astimezone(UTC)


def mailer(port: int, tmp_path: Path) -> SmtpMailer:
    return SmtpMailer(make_settings("sqlite://", tmp_path, smtp_host="127.0.0.1", smtp_port=port))


def add_deadline(session, *, due: date, owner_email: str = LEGAL, kind: str = "manual") -> int:
    owner = session.scalars(select(User).where(User.email == owner_email)).one()
    deadline = Deadline(
        key=f"test|{due}|{owner_email}|{kind}",
        kind=kind,
        subject=f"Testtermijn {due}",
        due_on=due,
        owner_id=owner.id,
        source="manual",
        next_stage_on=next_stage_day(due, [14, 7, 1, 0, -1], None),
    )
    session.add(deadline)
    session.commit()
    return deadline.id


def emails(session) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.channel == "email")))


# Pure ladder rules ---------------------------------------------------------------------------


def test_reminders_go_out_at_eight_in_amsterdam_in_winter_and_in_summer():
    assert send_time(date(2026, 3, 28)) == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)
    assert send_time(date(2026, 3, 29)) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # DST


def test_the_latest_due_stage_is_the_last_one_whose_time_has_come():
    due = date(2026, 6, 30)
    offsets = [30, 14, 7, 0, -1]
    assert latest_due_stage(due, offsets, at("2026-05-31", 7, 59)) is None
    assert latest_due_stage(due, offsets, at("2026-05-31", 8, 0)) == 30
    assert latest_due_stage(due, offsets, at("2026-06-27")) == 7
    assert latest_due_stage(due, offsets, at("2026-07-05")) == -1
    assert next_stage_day(due, offsets, 7) == date(2026, 6, 30)
    assert next_stage_day(due, offsets, -1) is None


# The sweep and the outbox --------------------------------------------------------------------


def test_s29_running_the_tick_twice_sends_one_mail(engine, tmp_path):
    sessions = session_factory(engine)
    with sessions() as session:
        add_deadline(session, due=date(2026, 6, 30))
    with smtp_server() as (port, box):
        for _ in range(2):
            with sessions() as session, session.begin():
                reminders.sweep(session, now=at("2026-06-16"))
            reminders.dispatch(sessions, now=at("2026-06-16"), mailer=mailer(port, tmp_path))
        assert len(box.keys()) == 1
        assert box.messages[0]["To"] == LEGAL
        assert "Testtermijn 2026-06-30" in box.messages[0]["Subject"]
    with sessions() as session:
        assert [m.status for m in emails(session)] == ["sent"]


def test_downtime_over_three_stages_sends_only_the_latest(engine, tmp_path):
    sessions = session_factory(engine)
    with sessions() as session:
        add_deadline(session, due=date(2026, 6, 30))  # stages 16, 23, 29, 30 June, 1 July
    with smtp_server() as (port, box):
        # The scheduler was down from 15 June until the day of the deadline.
        with sessions() as session, session.begin():
            reminders.sweep(session, now=at("2026-06-30"))
        reminders.dispatch(sessions, now=at("2026-06-30"), mailer=mailer(port, tmp_path))
        assert len(box.keys()) == 1
        assert box.messages[0]["Subject"].endswith("vandaag")
    with sessions() as session:
        assert [m.stage for m in emails(session)] == ["0"]


def test_no_stage_is_skipped_or_doubled_over_the_change_to_summer_time(engine, tmp_path):
    sessions = session_factory(engine)
    with sessions() as session:
        add_deadline(session, due=date(2026, 3, 30))  # stages 16, 23, 29 (DST), 30, 31 March
    moment = at("2026-03-28", 20)
    with smtp_server() as (port, box):
        while moment < at("2026-04-01", 12):
            with sessions() as session, session.begin():
                reminders.sweep(session, now=moment)
            reminders.dispatch(sessions, now=moment, mailer=mailer(port, tmp_path))
            moment += timedelta(minutes=30)
    with sessions() as session:
        stages = [m.stage for m in emails(session)]
    # 16 and 23 March were before the first tick; from then on every stage exactly once.
    assert stages == ["7", "1", "0", "-1"]
    assert len(box.keys()) == 4


def test_smtp_down_then_up_delivers_once_and_loses_nothing(engine, tmp_path):
    sessions = session_factory(engine)
    with sessions() as session:
        add_deadline(session, due=date(2026, 6, 30))
    port = free_port()
    now = at("2026-06-16")
    with sessions() as session, session.begin():
        reminders.sweep(session, now=now)
    down = reminders.dispatch(sessions, now=now, mailer=mailer(port, tmp_path))
    assert down.failed == 1  # the e-mail; the in-app notification needs no server
    with sessions() as session:
        (message,) = emails(session)
        assert message.status == "pending" and message.attempts == 1
        assert "ConnectionRefusedError" in message.last_error
        retry_at = message.next_attempt_at
    with smtp_server(port) as (_, box):
        early = reminders.dispatch(
            sessions, now=now + timedelta(seconds=10), mailer=mailer(port, tmp_path)
        )
        assert early.sent == 0  # waits for its back-off
        later = reminders.dispatch(sessions, now=retry_at, mailer=mailer(port, tmp_path))
        assert later.sent == 1 and len(box.keys()) == 1
        assert (
            reminders.dispatch(
                sessions, now=retry_at + timedelta(hours=1), mailer=mailer(port, tmp_path)
            ).sent
            == 0
        )
        assert len(box.keys()) == 1


def test_without_smtp_mail_lands_in_the_outbox_and_in_app_notifications_are_delivered(engine):
    sessions = session_factory(engine)
    with sessions() as session:
        add_deadline(session, due=date(2026, 6, 30))
        session.commit()
    with sessions() as session, session.begin():
        reminders.sweep(session, now=at("2026-06-16"))
    result = reminders.dispatch(sessions, now=at("2026-06-16"), mailer=None)
    assert result.outbox == 1 and result.sent == 1  # the e-mail kept, the in-app one shown
    with sessions() as session:
        statuses = sorted((m.channel, m.status) for m in session.scalars(select(Message)))
    assert statuses == [("email", "outbox"), ("in_app", "sent")]


def test_an_unacknowledged_reminder_escalates_to_the_escalation_contact_once(engine, tmp_path):
    from storage.organisations import Organisation

    sessions = session_factory(engine)
    with sessions() as session:
        policy = session.scalars(select(User).where(User.email == POLICY)).one()
        enschede = session.get(Organisation, policy.organisation_id)
        enschede.escalation_contact_id = policy.id
        deadline_id = add_deadline(session, due=date(2026, 6, 30))
        session.get(Deadline, deadline_id).owner_id = None  # role-based, at Enschede
        session.get(Deadline, deadline_id).organisation_id = enschede.id
        session.commit()
    moment = at("2026-06-16")
    while moment <= at("2026-06-24"):
        with sessions() as session, session.begin():
            reminders.sweep(session, now=moment)
        moment += timedelta(days=1)
    with sessions() as session:
        escalations = [m for m in session.scalars(select(Message)) if m.stage == "escalation"]
    assert len(escalations) == 2  # one e-mail and one in-app message, not one a day
    assert {m.recipient_id for m in escalations} == {policy.id}


def test_acknowledging_stops_the_escalation(engine):
    from workflows.accounts.accounts import actor_for
    from workflows.deadlines import deadlines

    sessions = session_factory(engine)
    with sessions() as session:
        deadline_id = add_deadline(session, due=date(2026, 6, 30))
    with sessions() as session, session.begin():
        reminders.sweep(session, now=at("2026-06-16"))
        legal = session.scalars(select(User).where(User.email == LEGAL)).one()
        deadlines.acknowledge(session, actor_for(legal, "t"), deadline_id, now=at("2026-06-16", 10))
    for day in ("2026-06-20", "2026-06-24"):
        with sessions() as session, session.begin():
            reminders.sweep(session, now=at(day))
    with sessions() as session:
        assert not [m for m in session.scalars(select(Message)) if m.stage == "escalation"]


# Several schedulers and a killed one ---------------------------------------------------------


def _many_due_messages(sessions, count: int, now: datetime) -> set[str]:
    with sessions() as session, session.begin():
        user = session.scalars(select(User).where(User.email == LEGAL)).one()
        rows = [
            {
                "key": f"load:{i}",
                "recipient_id": user.id,
                "channel": "email",
                "stage": "0",
                "subject": f"Bericht {i}",
                "body": "x",
                "due_at": now,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
            for i in range(count)
        ]
        session.execute(insert(Message), rows)
    return {f"load:{i}" for i in range(count)}


def _processes(targets: list[tuple]) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=dispatcher.run, args=args) for args in targets]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode is not None, "a dispatcher did not finish"


def test_s29_two_scheduler_processes_send_2000_reminders_each_exactly_once(
    engine, database_url, backend
):
    count = 2000 if backend == "postgresql" else 400  # SQLite serialises: the point is the same
    sessions = session_factory(engine)
    now = at("2026-06-16")
    wanted = _many_due_messages(sessions, count, now)
    with smtp_server() as (port, box):
        _processes([(database_url, port, now.isoformat()), (database_url, port, now.isoformat())])
        received = Counter(box.keys())
    assert set(received) == wanted
    assert max(received.values()) == 1
    with sessions() as session:
        sent = session.scalar(
            select(func.count()).select_from(Message).where(Message.status == "sent")
        )
    assert sent == count


def test_a_scheduler_killed_mid_dispatch_loses_nothing_and_repeats_at_most_one(
    engine, database_url
):
    sessions = session_factory(engine)
    now = at("2026-06-16")
    wanted = _many_due_messages(sessions, 50, now)
    with smtp_server() as (port, box):
        # Killed (SIGKILL) right after the mail server accepted its 10th message.
        _processes([(database_url, port, now.isoformat(), 10)])
        assert len(box.keys()) == 10
        with sessions() as session:
            stuck = session.scalar(
                select(func.count()).select_from(Message).where(Message.status == "sending")
            )
        assert stuck > 0  # claimed under a lease by the dead process
        # A restarted scheduler takes over once the lease has run out.
        later = now + reminders.LEASE + timedelta(seconds=1)
        _processes([(database_url, port, later.isoformat())])
        received = Counter(box.keys())
    assert set(received) == wanted
    duplicates = [key for key, n in received.items() if n > 1]
    assert len(duplicates) <= 1  # the one message in the documented crash window


def test_s29_two_whole_ticks_at_once_add_each_deadline_once_and_mail_each_reminder_once(
    engine, tmp_path
):
    """Two schedulers started together (two hosts, or a restart overlapping the old process):
    both recompute the deadlines from the registers of the demo at the same moment."""
    sessions = session_factory(engine)
    now = at("2026-03-02", 8, 5)
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []
    failures: list[BaseException] = []

    def one_tick(port: int) -> None:
        start.wait()
        try:
            results.append(reminders.tick(sessions, now=now, mailer=mailer(port, tmp_path)))
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    with smtp_server() as (port, box):
        pair = [threading.Thread(target=one_tick, args=(port,)) for _ in range(2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(timeout=120)
        received = Counter(box.keys())
    assert failures == []
    added = sorted(r["added"] for r in results)
    assert added[0] == 0 and added[1] > 0  # the second found what the first added
    with sessions() as session:
        keys = session.scalars(select(Deadline.key)).all()
        mailed = session.scalars(select(Message.key).where(Message.channel == "email")).all()
    assert len(keys) == len(set(keys)) == added[1]
    assert received and set(received) == set(mailed) and max(received.values()) == 1


def test_the_daily_digest_goes_out_once_a_day_after_eight(engine):
    sessions = session_factory(engine)
    with sessions() as session:
        add_deadline(session, due=date(2026, 6, 25))
    for moment in (at("2026-06-16", 7), at("2026-06-16", 9), at("2026-06-16", 15)):
        with sessions() as session, session.begin():
            reminders.digest(session, now=moment)
    with sessions() as session:
        digests = [m for m in session.scalars(select(Message)) if m.stage == "digest"]
    assert len(digests) == 1
    assert "Testtermijn 2026-06-25" in digests[0].body
    with sessions() as session, session.begin():
        reminders.digest(session, now=at("2026-06-17", 9))
    with sessions() as session:
        assert len([m for m in session.scalars(select(Message)) if m.stage == "digest"]) == 2
