"""Lists are paged in the database (issue 15): the HTML lists show "pagina 2 van 3" with the
previous and next pages, every API list honours limit and offset with the total of the whole
list, and the visibility the SQL readers apply is the one the per-row rules say (S11, S12)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.accounts import User
from storage.deadlines import Deadline
from storage.organisations import Organisation
from storage.paging import EVERYTHING
from tests.conftest import ADMIN, AUDITOR, LEGAL, POLICY, PROJECT, PROVIDER_CR, login
from tests.support import api_tokens, grown_registers
from tests.support.lists import API_LISTS
from webapp import clock
from webapp.database import sessions
from workflows.accounts import accounts
from workflows.actors import system_actor
from workflows.deadlines import deadlines
from workflows.decisions import co_advice, decisions
from workflows.registers import arrangements, mandates
from workflows.rules.roles import Permission

SYSTEM = system_actor("test")


def _manual_deadlines(app: Flask, count: int) -> None:
    with sessions(app)() as session:
        grown_registers.manual_deadlines(
            session,
            [f"Paginatermijn {number:03d}" for number in range(count)],
            arrangement_id=grown_registers.demo_arrangement_id(session),
            owner_id=grown_registers.project_group_member(session).id,
            first_due=clock.today() + timedelta(days=400),
            now=clock.now(),
        )
        session.commit()


def lead_of_project_group(session: Session) -> int:
    return session.scalars(select(User.organisation_id).where(User.email == PROJECT)).one()


@pytest.fixture
def api_headers(app: Flask) -> dict[str, str]:
    return api_tokens.api_headers(app, PROJECT, scope="read")


def test_the_deadlines_list_shows_fifty_a_page_with_previous_and_next(
    app: Flask, client: FlaskClient
) -> None:
    _manual_deadlines(app, 120)
    login(client, PROJECT)
    first = unescape(client.get("/signalen/termijnen").get_data(as_text=True))
    total = int(re.search(r"(\d+) termijnen; pagina 1 van (\d+)", first)[1])  # type: ignore[index]
    pages = -(-total // 50)
    assert f"{total} termijnen; pagina 1 van {pages}" in first
    assert "Volgende pagina" in first and "Vorige pagina" not in first
    assert first.count('name="status_reason"') == 50
    last = unescape(client.get(f"/signalen/termijnen?pagina={pages}").get_data(as_text=True))
    assert f"Pagina {pages} van {pages}" in last
    assert "Vorige pagina" in last and "Volgende pagina" not in last
    # The latest deadline is on the last page, not on the first.
    assert "Paginatermijn 119" in last and "Paginatermijn 119" not in first
    # The status filter stays in the page links.
    done = unescape(client.get("/signalen/termijnen?status=done").get_data(as_text=True))
    assert "pagina=2" not in done


def test_a_page_number_beyond_the_last_shows_no_rows_and_a_wrong_one_the_first_page(
    client: FlaskClient,
) -> None:
    login(client, PROJECT)
    beyond = unescape(client.get("/besluiten/?pagina=999").get_data(as_text=True))
    assert "15 dossiers" in beyond
    assert re.findall(r'href="/besluiten/\d+"', beyond) == []
    wrong = unescape(client.get("/besluiten/?pagina=nul").get_data(as_text=True))
    assert len(re.findall(r'href="/besluiten/\d+"', wrong)) == 15


@pytest.mark.parametrize("path", API_LISTS)
def test_every_api_list_honours_limit_and_offset_with_the_whole_total(
    app: Flask, client: FlaskClient, api_headers: dict[str, str], path: str
) -> None:
    _manual_deadlines(app, 3)
    with sessions(app)() as session:
        lead = session.scalars(select(Organisation).where(Organisation.name == "Enschede")).one()
        second = arrangements.create(
            session,
            SYSTEM,
            {
                "name": "Tweede regeling",
                "lead_organisation_id": lead.id,
                "participant_ids": [lead.id, lead_of_project_group(session)],
            },
        )
        mandates.create(
            session,
            SYSTEM,
            {
                "arrangement_id": second.id,
                "kind": "volmacht",
                "title": "Tweede volmacht",
                "grantee_id": lead.id,
                "acts": ["conclude_agreement"],
                "valid_from": clock.today(),
                "valid_until": clock.today() + timedelta(days=365),
                "grantor_ids": [lead.id],
            },
        )
        session.commit()
    whole = client.get(path, headers=api_headers).get_json()
    assert whole["total"] == len(whole["items"]) >= 2, path
    second = client.get(f"{path}?limit=1&offset=1", headers=api_headers).get_json()
    assert second["total"] == whole["total"]
    assert second["items"] == whole["items"][1:2]
    beyond = client.get(f"{path}?offset={whole['total']}", headers=api_headers).get_json()
    assert beyond == {**beyond, "items": [], "total": whole["total"]}
    wrong = client.get(f"{path}?limit=501", headers=api_headers)
    assert wrong.status_code == 422 and "limit" in wrong.get_json()["error"]["fields"]


@pytest.mark.parametrize("email", [POLICY, LEGAL, PROJECT, ADMIN, AUDITOR, PROVIDER_CR])
def test_s11_s12_the_lists_in_sql_show_what_the_rules_per_row_allow(app: Flask, email: str) -> None:
    """The SQL readers and the per-row rules (``may_see``, ``visible_to``) agree for every role,
    secret dossiers (S12) and a provider (S11) included."""
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        actor = accounts.actor_for(user, "test")
        deadlines.sync(session, as_of=clock.today())
        ids = set(arrangements.visible_ids(session, actor))
        if actor.can(Permission.VIEW_DECISIONS):
            everything = decisions.store.list_decisions(session)
            expected = {d.id for d in everything if decisions.may_see(actor, d, ids)}
            paged = decisions.page_visible(session, actor, EVERYTHING)
            assert {d.id for d in paged.rows} == expected
            assert paged.total == len(expected)
        if actor.can(Permission.VIEW_SIGNALS):
            open_ones = session.scalars(select(Deadline).where(Deadline.status == "open")).all()
            expected = {d.id for d in open_ones if deadlines.visible_to(actor, d, ids)}
            assert expected, "the demo has open deadlines for every role that sees them"
            paged_deadlines = deadlines.page_visible(session, actor, EVERYTHING)
            assert {d.id for d in paged_deadlines.rows} == expected
        session.rollback()


def test_the_signals_page_shows_ten_arrangements_a_page_the_most_urgent_first(
    app: Flask, client: FlaskClient
) -> None:
    today = clock.today()
    with sessions(app)() as session:
        lead_id = lead_of_project_group(session)
        municipalities = session.scalars(
            select(Organisation.id).where(Organisation.kind == "municipality")
        ).all()
        for number in range(11):
            # Each expects a tender, for which no volmacht exists: signals for every one.
            arrangements.create(
                session,
                SYSTEM,
                {
                    "name": f"Signaalregeling {number:02d}",
                    "lead_organisation_id": lead_id,
                    "participant_ids": list(municipalities),
                    "successor_kind": "tender",
                    "successor_start_on": today + timedelta(days=300 + 20 * number),
                },
            )
        session.commit()
    login(client, PROJECT)
    first = unescape(client.get("/signalen").get_data(as_text=True))
    match = re.search(r"Signalen van (\d+) regelingen", first)
    assert match, "the page says how many arrangements have signals"
    pages = -(-int(match[1]) // 10)
    assert f"pagina 1 van {pages}" in first and "Volgende pagina" in first
    last = unescape(client.get(f"/signalen?pagina={pages}").get_data(as_text=True))
    assert f"Pagina {pages} van {pages}" in last and "Vorige pagina" in last
    # The latest tender is the least urgent: on the last page, not on the first.
    assert "Signaalregeling 10" in last and "Signaalregeling 10" not in first.split("<form")[-1]


def test_the_user_admin_shows_fifty_accounts_a_page_by_name(
    app: Flask, client: FlaskClient
) -> None:
    with sessions(app)() as session:
        lead_id = lead_of_project_group(session)
        # Rows rather than ``create_user``: fifty password hashes would take the test most of
        # a minute, and the list reads no password.
        password_hash = session.scalars(
            select(User.password_hash).where(User.email == PROJECT)
        ).one()
        for number in range(50):
            session.add(
                User(
                    email=f"collega{number:02d}@rijssen-holten.example",
                    name=f"Zz Collega {number:02d}",
                    role="policy_officer",
                    organisation_id=lead_id,
                    password_hash=password_hash,
                )
            )
        session.flush()
        total = len(session.scalars(select(User.id)).all())
        session.commit()
    login(client, ADMIN)
    first = unescape(client.get("/gebruikers/").get_data(as_text=True))
    assert f"{total} accounts; pagina 1 van 2" in first
    assert "Volgende pagina" in first and "Vorige pagina" not in first
    assert first.count("Wijzigen<span") == 50
    last = unescape(client.get("/gebruikers/?pagina=2").get_data(as_text=True))
    assert "Pagina 2 van 2" in last and "Vorige pagina" in last
    assert last.count("Wijzigen<span") == total - 50
    # By name: the last colleague is on the last page, not on the first.
    assert "Zz Collega 49" in last and "Zz Collega 49" not in first


def test_the_to_advise_list_shows_fifty_dossiers_a_page_by_meeting(
    app: Flask, client: FlaskClient
) -> None:
    now = clock.now()
    with sessions(app)() as session:
        policy = accounts.actor_for(
            session.scalars(select(User).where(User.email == POLICY)).one(), "test"
        )
        lawyer_id = session.scalars(select(User.id).where(User.email == LEGAL)).one()
        arrangement_id = grown_registers.demo_arrangement_id(session)
        for number in range(51):
            decision = decisions.create(
                session,
                policy,
                {
                    "arrangement_id": arrangement_id,
                    "subject": f"Adviesdossier {number:02d}",
                    # Each a week later: the last dossier is on the last page.
                    "meeting_on": (clock.today() + timedelta(days=60 + 7 * number)).isoformat(),
                },
                now=now,
            )
            co_advice.ask(
                session, policy, decision.id, {"user_id": lawyer_id, "unit": "JZ"}, now=now
            )
            decisions.transition(
                session, policy, decision.id, "co_advice", today=clock.today(), now=now
            )
        session.commit()
    login(client, LEGAL)
    first = unescape(client.get("/besluiten/te-adviseren").get_data(as_text=True))
    total = int(re.search(r"Wachten op uw advies: (\d+) dossiers; pagina 1 van 2", first)[1])  # type: ignore[index]
    assert total > 50
    assert first.count("#mee-advisering") == 50
    assert "Volgende pagina" in first and "Vorige pagina" not in first
    last = unescape(client.get("/besluiten/te-adviseren?pagina=2").get_data(as_text=True))
    assert "Pagina 2 van 2" in last and last.count("#mee-advisering") == total - 50
    assert "Adviesdossier 50" in last and "Adviesdossier 50" not in first
