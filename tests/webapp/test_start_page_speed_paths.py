"""The start page keeps what it derives from the registers per version of the registers (the
head of the audit chain) and reads names and dates only: it must still show exactly what the
registers say, right after every change, and read a handful of statements however many
arrangements there are."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.accounts import User
from storage.arrangements import Arrangement
from storage.deadlines import Message
from storage.organisations import Organisation
from tests.conftest import LEGAL, POLICY, PROJECT, PROVIDER_CR, login
from tests.support.record_changes import update_fields
from tests.support.statements import statements_sent
from webapp import clock
from webapp.database import sessions
from webapp.formatting import dutch_date
from workflows.accounts import accounts
from workflows.actors import Actor, system_actor
from workflows.deadlines import notifications, reminders, signals
from workflows.demo.demo import ARRANGEMENT_NAME
from workflows.registers import arrangement_parts, arrangements, organisations
from workflows.rules.dutch_format import count_phrase
from workflows.rules.roles import Role

# "3 signalen zijn te laat." or "1 signaal is te laat." on the start page.
LATE = re.compile(r"\d+ (signaal is|signalen zijn) te laat\.")

SYSTEM = system_actor("test")
TENDER_GAP = (
    "nieuwe volmacht nodig: aanbesteding voorbereiden, aanbesteding uitvoeren, "
    "aanbesteding gunnen en overeenkomst sluiten namens"
)


def _page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _actor(app, email: str) -> Actor:
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return Actor(user.id, user.name, Role(user.role), user.organisation_id, "test")


def _demo_arrangement(session) -> Arrangement:
    return session.scalars(select(Arrangement).where(Arrangement.name == ARRANGEMENT_NAME)).one()


def _update_demo_arrangement(app, values: dict[str, str]) -> None:
    with sessions(app)() as session:
        arrangement = _demo_arrangement(session)
        update_fields(arrangements.update, session, SYSTEM, arrangement, values)
        session.commit()


def test_the_start_page_lists_the_first_signals_of_derive_and_counts_the_late_ones(app, client):
    login(client, LEGAL)
    page = _page(client)
    with sessions(app)() as session:
        actor = _actor(app, LEGAL)
        assert actor.organisation_id is not None
        # Her municipality's signals and the arrangement's come first (issue 16, point 2).
        found = signals.concerning(
            signals.derive(session, actor, as_of=clock.today()), actor.organisation_id
        )
    assert found, "the demo has signals"
    lines = [
        f"uiterlijk starten {dutch_date(s.plan.start_by_on)} – {s.kind_label}: {s.subject}"
        for s in found[:6]
    ]
    positions = [page.index(line) for line in lines]
    assert positions == sorted(positions)
    overdue = sum(1 for s in found if s.overdue)
    if overdue:
        late = count_phrase(overdue, "signaal")
        assert f"{late} {'is' if overdue == 1 else 'zijn'} te laat." in page
    else:
        assert not LATE.search(page)


def test_an_edit_of_the_registers_shows_on_the_very_next_start_page(app, client):
    login(client, POLICY)
    with sessions(app)() as session:
        arrangement_id = _demo_arrangement(session).id
    first = _page(client)
    assert TENDER_GAP in first
    assert "Slotevaluatie Twente 2031" not in first
    with sessions(app)() as session:
        arrangement_parts.add_evaluation_moment(
            session,
            SYSTEM,
            arrangement_id,
            {"name": "Slotevaluatie Twente 2031", "due_on": "2031-01-15"},
        )
        session.commit()
    second = _page(client)
    assert "15 januari 2031: Slotevaluatie Twente 2031" in second
    _update_demo_arrangement(app, {"successor_kind": "stop"})
    third = _page(client)
    # No tender after the pilot any more: no volmacht is needed for one.
    assert TENDER_GAP not in third


def test_a_renamed_lead_organisation_shows_at_once(app, client):
    login(client, POLICY)
    assert "penvoerder Rijssen-Holten" in _page(client)
    with sessions(app)() as session:
        lead = _demo_arrangement(session).lead_organisation
        update_fields(
            organisations.update, session, SYSTEM, lead, {"name": "Rijssen-Holten (gewijzigd)"}
        )
        session.commit()
    assert "penvoerder Rijssen-Holten (gewijzigd)" in _page(client)


def test_the_day_is_part_of_what_is_kept(app, client, monkeypatch):
    login(client, LEGAL)
    # 1 February 2026: Verlenging 1 has ended and the tender volmacht can still be decided on
    # time; on 20 March the co-advice for it should have started.
    monkeypatch.setattr(clock, "today", lambda: date(2026, 2, 1))
    early = _page(client)
    assert not LATE.search(early) and "te laat:" not in early
    monkeypatch.setattr(clock, "today", lambda: date(2026, 3, 20))
    late = _page(client)
    assert LATE.search(late)
    assert "te laat:</span> uiterlijk starten 3 maart 2026" in late
    # The agenda of 31 March closed on 17 March: the start page names the next meeting.
    assert "(vergadering gemist; eerstvolgende: 7 april 2026)" in late
    assert "vergadering gemist" not in early


def test_what_is_kept_is_per_actor(app):
    with sessions(app)() as session:
        lead = _demo_arrangement(session).lead_organisation
        arrangements.create(
            session,
            SYSTEM,
            {
                "name": "Alleen Rijssen-Holten",
                "lead_organisation_id": str(lead.id),
                "participant_ids": [str(lead.id)],
            },
        )
        accounts.create_user(
            session,
            SYSTEM,
            email="beleid@rijssen-holten.example",
            name="Beleid Rijssen-Holten",
            role=Role.POLICY_OFFICER.value,
            organisation_id=lead.id,
            password="paarse olifant fietst langs de Regge",
        )
        session.commit()
    policy, colleague, project, provider = (app.test_client() for _ in range(4))
    login(policy, POLICY)
    login(colleague, "beleid@rijssen-holten.example", "paarse olifant fietst langs de Regge")
    login(project, PROJECT)
    login(provider, PROVIDER_CR)
    # Same role, other organisation: other arrangements.
    assert "Alleen Rijssen-Holten" not in _page(policy)
    assert "Alleen Rijssen-Holten" in _page(colleague)
    assert "Alleen Rijssen-Holten" in _page(project)
    assert "Alleen Rijssen-Holten" not in _page(policy)
    page = _page(provider)
    assert "Wat moet wanneer gebeuren" not in page and TENDER_GAP not in page
    assert ARRANGEMENT_NAME in page and "Alleen Rijssen-Holten" not in page


def test_the_start_page_reads_as_many_statements_for_six_arrangements_as_for_one(app, client):
    login(client, POLICY)
    _page(client)
    # Both measurements below are of the same work: what was kept is made stale by a change
    # (a phase and an evaluation moment, as the five arrangements bring), and derived afresh.
    with sessions(app)() as session:
        arrangement_id = _demo_arrangement(session).id
        arrangements.add_phase(session, SYSTEM, arrangement_id, {"end_on": "2035-12-31"})
        arrangement_parts.add_evaluation_moment(
            session, SYSTEM, arrangement_id, {"name": "Extra evaluatie", "due_on": "2030-01-01"}
        )
        session.commit()
    with statements_sent(app) as one:
        _page(client)  # nothing kept yet for this version: derived afresh
    with sessions(app)() as session:
        enschede = session.scalars(
            select(Organisation).where(Organisation.name == "Enschede")
        ).one()
        for number in range(5):
            extra = arrangements.create(
                session,
                SYSTEM,
                {
                    "name": f"Regeling {number}",
                    "lead_organisation_id": str(enschede.id),
                    "participant_ids": [str(enschede.id)],
                    "successor_kind": "tender",
                    "successor_start_on": "2028-01-01",
                },
            )
            arrangements.add_phase(
                session,
                SYSTEM,
                extra.id,
                {
                    "name": "Pilot",
                    "kind": "pilot",
                    "start_on": "2025-01-01",
                    "end_on": "2027-12-31",
                },
            )
            arrangement_parts.add_evaluation_moment(
                session, SYSTEM, extra.id, {"name": f"Evaluatie {number}", "due_on": "2027-06-01"}
            )
        arrangement_parts.add_evaluation_moment(
            session, SYSTEM, arrangement_id, {"name": "Tweede evaluatie", "due_on": "2030-06-01"}
        )
        session.commit()
    with statements_sent(app) as six:
        page = _page(client)
    assert "Regeling 4" in page and "Evaluatie 0" in page
    assert len(six) == len(one), "the statements grew with the number of arrangements"
    with statements_sent(app) as kept:
        _page(client)
    # The login session, the registers version and the unread count (and their BEGINs).
    assert len(kept) <= 6, kept
    assert not any("FROM arrangements" in s or "FROM mandates" in s for s in kept), kept


def test_the_unread_count_on_the_start_page_follows_the_notifications(app, client, monkeypatch):
    now = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)
    reminders.tick(sessions(app), now=now, mailer=None)
    login(client, LEGAL)
    actor = _actor(app, LEGAL)
    with sessions(app)() as session:
        listed = notifications.mine(session, actor)
        unread = sum(1 for m in listed if m.read_at is None)
        assert unread >= 1
        assert notifications.unread_count(session, actor) == unread
    assert count_phrase(unread, "ongelezen melding") in _page(client)
    with sessions(app)() as session:
        message = session.get(Message, listed[0].id)
        assert message is not None
        message.read_at = now
        session.commit()
    # Notifications are not kept with the registers: the count is read on every request.
    page = _page(client)
    assert (
        count_phrase(unread - 1, "ongelezen melding") in page
        if unread > 1
        else "ongelezen melding" not in page
    )


def test_logins_by_others_keep_what_was_derived_and_an_edit_does_not(app, client):
    login(client, POLICY)
    _page(client)  # derived and kept
    colleague = app.test_client()
    login(colleague, LEGAL)  # an audited login by someone else
    login(app.test_client(), LEGAL, "fout-wachtwoord-123")  # and an audited failed one
    with statements_sent(app) as after_logins:
        _page(client)
    assert not any("FROM arrangements" in s for s in after_logins), after_logins
    _update_demo_arrangement(app, {"description": "Gewijzigd na de aanmeldingen"})
    with statements_sent(app) as after_edit:
        _page(client)
    assert any("FROM arrangements" in s for s in after_edit), "an edit is derived afresh"
