"""The daily digest round of the tick (issue 15, docs/architecture.md §5): once every digest of
the day is made, later ticks the same day do no digest work until an audited change moves the
registers version; then who has no digest yet today gets one, and who has one gets no second.

On the demo on Monday 2 March 2026 the first tick after eight makes four digests: for the
project group, both Enschede officers and the Borne legal officer."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from storage.accounts import User
from storage.deadlines import Message
from storage.organisations import Organisation
from tests.conftest import ADMIN, PROJECT, session_factory
from tests.workflows.deadlines.test_reminders import at
from workflows.accounts import accounts
from workflows.actors import system_actor
from workflows.deadlines import deadlines, reminders

DAY = "2026-03-02"
FIRST_DIGESTS = 4


@pytest.fixture
def rounds(monkeypatch) -> list[int]:
    """Each time a tick works out the digests, the number of messages it made of them."""
    made: list[int] = []
    work_out = reminders.digest_rows

    def counted(*args, **kwargs):
        rows = work_out(*args, **kwargs)
        made.append(len(rows))
        return rows

    monkeypatch.setattr(reminders, "digest_rows", counted)
    return made


def digests(sessions) -> dict[str, list[str]]:
    """Per recipient's e-mail address, the bodies of their digests."""
    found: dict[str, list[str]] = {}
    with sessions() as session:
        for message in session.scalars(select(Message).where(Message.stage == "digest")):
            found.setdefault(message.recipient.email, []).append(message.body)
    return found


def user_id(sessions, email: str) -> int:
    with sessions() as session:
        return session.scalars(select(User.id).where(User.email == email)).one()


def add_deadline(sessions, owner_email: str, subject: str) -> None:
    """A deadline added through the app (audited), due within the digest's two weeks."""
    with sessions() as session, session.begin():
        deadlines.add_manual(
            session,
            system_actor("test"),
            {
                "subject": subject,
                "due_on": "2026-03-10",
                "owner_id": str(user_id(sessions, owner_email)),
            },
            now=at(DAY, 10),
        )


def test_a_second_tick_the_same_day_makes_no_digest_work_and_sends_nothing_new(engine, rounds):
    sessions = session_factory(engine)
    reminders.tick(sessions, now=at(DAY, 9), mailer=None)
    assert rounds == [FIRST_DIGESTS]
    first = digests(sessions)
    later = [reminders.tick(sessions, now=at(DAY, hour), mailer=None) for hour in (10, 15, 23)]
    assert rounds == [FIRST_DIGESTS]
    assert [result["messages"] for result in later] == [0, 0, 0]
    assert digests(sessions) == first
    # The next day is a new round.
    reminders.tick(sessions, now=at("2026-03-03", 9), mailer=None)
    assert len(rounds) == 2 and all(len(bodies) == 2 for bodies in digests(sessions).values())


def test_a_tick_before_eight_makes_no_digest_and_leaves_the_day_open(engine):
    sessions = session_factory(engine)
    reminders.tick(sessions, now=at(DAY, 7), mailer=None)
    reminders.tick(sessions, now=at(DAY, 7, 59), mailer=None)
    assert digests(sessions) == {}
    reminders.tick(sessions, now=at(DAY, 8), mailer=None)
    assert len(digests(sessions)) == FIRST_DIGESTS


def test_a_deadline_added_later_in_the_day_gives_its_owner_without_a_digest_one(engine, rounds):
    """The beheerder had no deadline at eight; one added at ten brings a digest at the next
    tick. The project group, who had their digest, gets no second for a deadline of theirs."""
    sessions = session_factory(engine)
    reminders.tick(sessions, now=at(DAY, 9), mailer=None)
    assert ADMIN not in digests(sessions)
    add_deadline(sessions, ADMIN, "Jaarverslag regio aanleveren")
    add_deadline(sessions, PROJECT, "Evaluatie pilot agenderen")
    reminders.tick(sessions, now=at(DAY, 11), mailer=None)
    found = digests(sessions)
    assert rounds == [FIRST_DIGESTS, 1]
    assert len(found[ADMIN]) == 1 and "Jaarverslag regio aanleveren" in found[ADMIN][0]
    assert len(found[PROJECT]) == 1 and "Evaluatie pilot agenderen" not in found[PROJECT][0]
    # And the round after it is done again.
    reminders.tick(sessions, now=at(DAY, 12), mailer=None)
    assert rounds == [FIRST_DIGESTS, 1]


def test_a_new_account_later_in_the_day_gets_the_digest_of_its_municipality(engine, rounds):
    """Almelo had nobody: its deadline went to the project group. A legal officer of Almelo
    added at noon receives Almelo's deadline in a digest of their own at the next tick."""
    sessions = session_factory(engine)
    reminders.tick(sessions, now=at(DAY, 9), mailer=None)
    with sessions() as session, session.begin():
        almelo = session.scalars(select(Organisation.id).where(Organisation.name == "Almelo"))
        accounts.create_user(
            session,
            system_actor("test"),
            email="jurist@almelo.example",
            name="Jurist Almelo",
            role="legal_officer",
            organisation_id=almelo.one(),
            password="Lange-zin-voor-de-test-2026",
        )
    reminders.tick(sessions, now=at(DAY, 13), mailer=None)
    (body,) = digests(sessions)["jurist@almelo.example"]
    assert "namens Almelo" in body and "namens Enschede" not in body
    assert len(digests(sessions)[PROJECT]) == 1


def test_a_round_while_the_derived_deadlines_lag_the_registers_is_not_taken_as_done(
    engine, rounds, monkeypatch
):
    """The registers changed after the scheduler derived its deadlines (another scheduler is
    deriving them, or this one was cut short): a deadline they imply may not be written yet,
    so the round leaves no mark and the ticks after it look again until the deadlines follow."""
    sessions = session_factory(engine)
    reminders.tick(sessions, now=at(DAY, 9), mailer=None)
    follow = reminders.follow_registers
    monkeypatch.setattr(reminders, "follow_registers", lambda *args, **kwargs: {})
    add_deadline(sessions, PROJECT, "Evaluatie pilot agenderen")
    for minute in (1, 2):
        reminders.tick(sessions, now=at(DAY, 10, minute), mailer=None)
    assert len(rounds) == 3
    monkeypatch.setattr(reminders, "follow_registers", follow)
    for minute in (3, 4):
        reminders.tick(sessions, now=at(DAY, 10, minute), mailer=None)
    assert len(rounds) == 4


def test_a_round_in_which_everyone_has_their_digest_reads_no_deadline_lines(engine):
    """After a change that gives nobody a digest they lack (the tick's next round), who
    receives the open deadlines is worked out from their addresses; their subjects and dates,
    thousands on a large region, are not read."""
    sessions = session_factory(engine)
    reminders.tick(sessions, now=at(DAY, 9), mailer=None)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with sessions() as session:
            rows = reminders.digest_rows(session, now=at(DAY, 10))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert rows == []
    assert any("FROM deadlines" in statement for statement in statements)
    assert not [statement for statement in statements if "deadlines.subject" in statement]
