"""What falls due for one person in one arrangement on one day comes as one digest, through a
real SMTP server on loopback: every municipality's reminder listed, in Dutch words; the next
day brings a new digest, a rerun the same day nothing (docs/security.md S29). Municipalities
without an account are named to the project group who receive their reminders instead."""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from pathlib import Path

from sqlalchemy import select

from storage.accounts import User
from storage.arrangements import Arrangement
from storage.deadlines import Deadline, Message
from storage.organisations import Organisation
from tests.conftest import LEGAL, POLICY, PROJECT, make_settings, session_factory
from tests.support.smtp import smtp_server
from tests.workflows.deadlines.test_reminders import at, mailer
from webapp.app import create_app
from webapp.mail import deadline_links
from workflows.deadlines import reminders
from workflows.demo.demo import ARRANGEMENT_NAME
from workflows.rules.reminders import next_stage_day

DUE = date(2026, 6, 30)  # the manual ladder's stages: 16, 23, 29, 30 June and 1 July
WITHOUT_ACCOUNT = ["Almelo", "Hengelo", "Losser"]
LINK = "https://besluitwerk.gemeente.example/signalen/termijnen#termijn-{}".format


def add_deadlines(sessions, names: list[str], *, due: date = DUE) -> dict[str, int]:
    """One deadline per municipality in the demo arrangement, reminded by role (no owner)."""
    with sessions() as session, session.begin():
        arrangement = session.scalars(
            select(Arrangement).where(Arrangement.name == ARRANGEMENT_NAME)
        ).one()
        made = {}
        for name in names:
            organisation = session.scalars(
                select(Organisation).where(Organisation.name == name)
            ).one()
            deadline = Deadline(
                key=f"test|{due}|{name}",
                kind="manual",
                subject=f"Raadsinformatiebrief logeerzorg namens {name}",
                explanation=f"{name} informeert de raad over de pilot.",
                arrangement_id=arrangement.id,
                organisation_id=organisation.id,
                due_on=due,
                source="manual",
                next_stage_on=next_stage_day(due, [14, 7, 1, 0, -1], None),
            )
            session.add(deadline)
            session.flush()
            made[name] = deadline.id
    return made


def run(sessions, moment, port: int, tmp_path: Path) -> None:
    with sessions() as session, session.begin():
        reminders.sweep(session, now=moment, link=lambda i: LINK(i))
    reminders.dispatch(sessions, now=moment, mailer=mailer(port, tmp_path))


def to(box, email: str) -> list[EmailMessage]:
    return [m for m in box.messages if m["To"] == email]


def subject(message: EmailMessage) -> str:
    return str(make_header(decode_header(str(message["Subject"]))))


def text(message: EmailMessage) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_s29_one_digest_per_person_and_day_lists_every_municipality_and_reruns_send_nothing(
    engine, tmp_path
):
    sessions = session_factory(engine)
    ids = add_deadlines(sessions, [*WITHOUT_ACCOUNT, "Enschede"])
    with smtp_server() as (port, box):
        run(sessions, at("2026-06-29"), port, tmp_path)
        (digest,) = to(box, PROJECT)
        assert subject(digest) == f"[Besluitwerk] 3 herinneringen: {ARRANGEMENT_NAME}"
        body = text(digest)
        for name in WITHOUT_ACCOUNT:
            assert f"{name} – handmatig: Raadsinformatiebrief logeerzorg namens {name}" in body
            assert f"Bekijken: {LINK(ids[name])}" in body
        assert body.count("Uiterlijk 30 juni 2026 (over 1 dag).") == 3
        # Enschede has its own jurist and policy officer: they have it, the project group not.
        assert "Enschede" not in body
        assert [subject(m) for m in to(box, LEGAL)] == [
            "[Besluitwerk] Raadsinformatiebrief logeerzorg namens Enschede – over 1 dag"
        ]
        assert len(to(box, POLICY)) == 1

        # The tick runs every minute: the rest of the day sends nothing again.
        for hour in (9, 12, 17, 23):
            run(sessions, at("2026-06-29", hour, 30), port, tmp_path)
        assert len(box.messages) == 3

        # The next morning: the day itself, a new digest of all three.
        run(sessions, at("2026-06-30"), port, tmp_path)
        later = to(box, PROJECT)
        assert len(later) == 2
        assert subject(later[1]) == subject(digest)
        assert text(later[1]).count("Uiterlijk 30 juni 2026 (vandaag).") == 3
        run(sessions, at("2026-06-30", 16), port, tmp_path)
        assert len(to(box, PROJECT)) == 2
    with sessions() as session:
        project = session.scalars(select(User).where(User.email == PROJECT)).one()
        mine = session.scalars(select(Message).where(Message.recipient_id == project.id)).all()
    # The notifications page and the outbox hold the same two digests, not six reminders.
    assert sorted((m.channel, m.subject) for m in mine) == sorted(
        [(c, subject(digest)) for c in ("email", "in_app")] * 2
    )


def test_s29_a_run_that_fails_before_it_is_recorded_leaves_nothing_and_the_next_makes_one(
    engine, tmp_path
):
    sessions = session_factory(engine)
    add_deadlines(sessions, WITHOUT_ACCOUNT)
    with sessions() as session:
        reminders.sweep(session, now=at("2026-06-29"))
        session.rollback()  # the process died before its transaction was committed
    with sessions() as session:
        assert session.scalars(select(Message)).all() == []
    with smtp_server() as (port, box):
        run(sessions, at("2026-06-29", 9, 1), port, tmp_path)
        run(sessions, at("2026-06-29", 9, 2), port, tmp_path)
        (digest,) = box.messages
    assert all(name in text(digest) for name in WITHOUT_ACCOUNT)


def test_s29_a_digest_repeated_after_a_crash_between_sending_and_recording_keeps_its_id(
    engine, tmp_path
):
    """The documented crash window: the mail server accepted the digest, the process died
    before it marked it sent. The next scheduler sends it once more, with the same Message-ID
    (so a mail server or client can drop it), and never again after that."""
    sessions = session_factory(engine)
    add_deadlines(sessions, WITHOUT_ACCOUNT)
    now = at("2026-06-29")
    with sessions() as session, session.begin():
        reminders.sweep(session, now=now)
    with smtp_server() as (port, box):
        with sessions() as session, session.begin():
            (claimed,) = [
                m for m in reminders.claim(session, now=now, limit=10) if m.channel == "email"
            ]
            mailer(port, tmp_path).send(
                to=claimed.recipient.email,
                subject=claimed.subject,
                body=claimed.body,
                message_id=claimed.key,
            )
        # Killed here. Within the lease nobody else sends it.
        assert reminders.dispatch(sessions, now=now, mailer=mailer(port, tmp_path)).sent == 0
        after_lease = now + reminders.LEASE + timedelta(seconds=1)
        run(sessions, after_lease, port, tmp_path)
        run(sessions, after_lease + timedelta(hours=1), port, tmp_path)
        first, again = box.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert text(first) == text(again)


def test_the_project_group_is_told_by_name_who_has_no_account(engine, tmp_path):
    sessions = session_factory(engine)
    add_deadlines(sessions, [*WITHOUT_ACCOUNT, "Borne"])
    with smtp_server() as (port, box):
        run(sessions, at("2026-06-29"), port, tmp_path)
        (digest,) = to(box, PROJECT)
    body = text(digest)
    for name in WITHOUT_ACCOUNT:
        assert f"Niemand van {name} krijgt deze herinnering: er is geen account." in body
    assert "Bij 3 gemeenten heeft niemand een account" in body
    assert "Almelo, Hengelo en Losser" in body
    # Borne has a jurist: Borne's reminder goes to Borne and is not named as unreached.
    assert "Borne" not in body


def test_a_municipality_with_accounts_but_none_in_the_ladders_roles_is_named_with_the_roles(
    engine, tmp_path
):
    sessions = session_factory(engine)
    # Only a jurist at Borne, and the evaluation ladder asks for the project group.
    ids = add_deadlines(sessions, ["Borne"])
    with sessions() as session, session.begin():
        session.get(Deadline, ids["Borne"]).kind = "evaluation_due"
    with sessions() as session:
        deadline = session.get(Deadline, ids["Borne"])
        found = reminders.reach(session, deadline, ["project_group"])
        assert [u.email for u in found.users] == [PROJECT]
        assert found.unreached == (
            "Niemand van Borne krijgt deze herinnering: er is geen account van een projectgroep."
        )
        assert reminders.unreached(session, [deadline]) == {deadline.id: found.unreached}


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
CODE_WORD = re.compile(r"\b[a-z]+_[a-z_]+\b|\bNone\b|\b\d+:\d+\b|digest:|in_app")


def test_the_digest_is_dutch_without_iso_dates_or_identifiers(engine, tmp_path):
    sessions = session_factory(engine)
    add_deadlines(sessions, WITHOUT_ACCOUNT)
    with smtp_server() as (port, box):
        run(sessions, at("2026-06-29"), port, tmp_path)
        (digest,) = box.messages
    body = text(digest)
    readable = re.sub(r"https://\S+", "", body)  # the links are addresses, not words
    for part in (subject(digest), readable):
        assert not ISO_DATE.search(part), part
        assert not CODE_WORD.search(part), part
    assert "29 juni 2026" in body and "30 juni 2026" in body
    assert "Bevestig in Besluitwerk dat u dit oppakt" in body


def test_without_a_public_address_the_digest_names_the_page(engine, tmp_path):
    sessions = session_factory(engine)
    add_deadlines(sessions, WITHOUT_ACCOUNT)
    with sessions() as session, session.begin():
        reminders.sweep(session, now=at("2026-06-29"))
        digest = session.scalars(select(Message).where(Message.channel == "email")).one()
        assert digest.body.count("Bekijken: in Besluitwerk: Wat moet wanneer > Termijnen") == 3


def test_public_url_makes_links_to_the_deadline_on_the_deadlines_page(database_url, tmp_path):
    plain = create_app(make_settings(database_url, tmp_path / "a"))
    assert deadline_links(plain) is None
    app = create_app(
        make_settings(
            database_url,
            tmp_path / "b",
            public_url="https://besluitwerk.gemeente.example",
            trusted_hosts=("besluitwerk.gemeente.example",),
        )
    )
    link = deadline_links(app)
    assert link is not None and link(12) == LINK(12)
    for made in (plain, app):
        made.extensions["besluitwerk.engine"].dispose()
