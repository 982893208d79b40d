"""No list reads a statement per row (issue 15): each list page and API list is asked on the
demo and again after the registers grew through the use cases (more arrangements with phases,
volmachten with grants, agreements, dossiers, deadlines and document versions), and must send
the same number of SQL statements both times. A list that loads a relation per row shows up
here as a count that grows with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.arrangements import Arrangement
from storage.decisions import Decision
from storage.organisations import Organisation
from tests.conftest import PROJECT, login
from tests.support import api_tokens, grown_registers
from tests.support.lists import API_LISTS
from tests.support.statements import statements_sent
from webapp import clock
from webapp.database import sessions
from workflows.actors import system_actor
from workflows.deadlines import deadlines
from workflows.decisions import decisions
from workflows.demo.demo import ARRANGEMENT_NAME, LEAD_MUNICIPALITY
from workflows.documents import documents
from workflows.registers import agreements, arrangements, mandates
from workflows.rules.acts import Act

SYSTEM = system_actor("test")
EXTRA = 4  # arrangements added, each with its own volmacht, agreement, dossiers and deadlines

PAGES = [
    "/",
    "/regelingen/",
    "/volmachten/",
    "/overeenkomsten/",
    "/besluiten/",
    "/organisaties/",
    "/signalen/termijnen",
    "/signalen",
]


def _counts(app: Flask, client: FlaskClient, headers: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in PAGES + API_LISTS:
        extra = headers if path.startswith("/api/") else {}
        client.get(path, headers=extra)  # the first request may fill per-process caches
        with statements_sent(app) as seen:
            response = client.get(path, headers=extra)
        assert response.status_code == 200, (path, response.status_code)
        found[path] = len(seen)
    return found


def _grow(app: Flask) -> None:
    """More of everything, made by the use cases as the pages and the import make it."""
    now = clock.now()
    today = clock.today()
    with sessions(app)() as session:
        municipalities = session.scalars(
            select(Organisation)
            .where(Organisation.kind == "municipality")
            .order_by(Organisation.id)
        ).all()
        provider = session.scalars(
            select(Organisation).where(Organisation.kind == "provider").order_by(Organisation.id)
        ).first()
        assert provider is not None
        lead = next(o for o in municipalities if o.name == LEAD_MUNICIPALITY)
        owner = grown_registers.project_group_member(session)
        for number in range(EXTRA):
            start = today - timedelta(days=100 * number)
            arrangement = arrangements.create(
                session,
                SYSTEM,
                {
                    "name": f"Extra regeling {number}",
                    "lead_organisation_id": lead.id,
                    "participant_ids": [o.id for o in municipalities] + [provider.id],
                    "successor_kind": "tender",
                    "successor_start_on": start + timedelta(days=900),
                },
            )
            pilot = arrangements.add_phase(
                session,
                SYSTEM,
                arrangement.id,
                {"kind": "pilot", "start_on": start, "end_on": start + timedelta(days=400)},
            )
            arrangements.add_phase(
                session, SYSTEM, arrangement.id, {"end_on": start + timedelta(days=800)}
            )
            mandate = mandates.create(
                session,
                SYSTEM,
                {
                    "arrangement_id": arrangement.id,
                    "kind": "volmacht",
                    "title": f"Extra volmacht {number}",
                    "grantee_id": lead.id,
                    "acts": [Act.CONCLUDE_AGREEMENT, Act.EXTEND_AGREEMENT],
                    "phase_ids": [pilot.id],
                    "includes_extensions": True,
                    "grantor_ids": [o.id for o in municipalities if o.id != lead.id],
                },
            )
            for grant in list(mandate.grants)[:3]:
                mandates.record_grant(
                    session,
                    SYSTEM,
                    mandate.id,
                    grant.grantor_id,
                    {"status": "granted", "granted_on": start},
                    expected_version=grant.version,
                )
            agreements.create(
                session,
                SYSTEM,
                {
                    "arrangement_id": arrangement.id,
                    "kind": "purchase",
                    "reference": f"EXTRA-{number}",
                    "title": f"Extra overeenkomst {number}",
                    "provider_id": provider.id,
                    "contracting_party_id": lead.id,
                    "start_on": start,
                    "end_on": start + timedelta(days=400),
                    "mandate_ids": [mandate.id],
                },
            )
            for municipality in municipalities[:3]:
                decisions.create(
                    session,
                    SYSTEM,
                    {
                        "subject": f"Extra besluit {number} {municipality.name}",
                        "arrangement_id": arrangement.id,
                        "municipality_id": municipality.id,
                    },
                    now=now,
                )
            grown_registers.manual_deadlines(
                session,
                [f"Extra termijn {number}.{day}" for day in range(3)],
                arrangement_id=arrangement.id,
                owner_id=owner.id,
                first_due=today + timedelta(days=10),
                now=now + timedelta(seconds=number * 10),
            )
        deadlines.sync(session, as_of=today)
        session.commit()


@pytest.fixture
def api_headers(app: Flask) -> dict[str, str]:
    return api_tokens.api_headers(app, PROJECT, scope="read")


def test_every_list_sends_as_many_statements_with_more_rows(
    app: Flask, client: FlaskClient, api_headers: dict[str, str]
) -> None:
    login(client, PROJECT)
    with sessions(app)() as session:
        deadlines.sync(session, as_of=clock.today())
        session.commit()
    small = _counts(app, client, api_headers)
    _grow(app)
    large = _counts(app, client, api_headers)
    grown = {path: (small[path], large[path]) for path in small if large[path] != small[path]}
    assert not grown, f"statements per request grew with the data (demo, grown): {grown}"


def test_the_documents_of_a_subject_are_read_in_a_fixed_number_of_statements(
    app: Flask, client: FlaskClient, api_headers: dict[str, str]
) -> None:
    files = app.extensions["besluitwerk.files"]

    def new_version(session: Session, decision_id: int, number: int) -> None:
        decision = session.get(Decision, decision_id)
        assert decision is not None
        decisions.update(
            session,
            SYSTEM,
            decision_id,
            {"urgency": f"Versie {number}"},
            expected_version=decision.version,
        )
        documents.generate(
            session, files, SYSTEM, "agendaformulier", "decision", decision_id, now=clock.now()
        )

    with sessions(app)() as session:
        enschede = session.scalars(
            select(Organisation).where(Organisation.name == "Enschede")
        ).one()
        decision_id = decisions.create(
            session,
            SYSTEM,
            {
                "subject": "Dossier met versies",
                "municipality_id": enschede.id,
                "arrangement_id": session.scalars(
                    select(Arrangement.id).where(Arrangement.name == ARRANGEMENT_NAME)
                ).one(),
            },
            now=clock.now(),
        ).id
        new_version(session, decision_id, 0)
        session.commit()
    path = f"/api/v1/documents?subject_type=decision&subject_id={decision_id}"
    client.get(path, headers=api_headers)
    with statements_sent(app) as few:
        assert client.get(path, headers=api_headers).get_json()["total"] == 1
    with sessions(app)() as session:
        for number in range(1, 4):
            new_version(session, decision_id, number)
        session.commit()
    with statements_sent(app) as many:
        response = client.get(path, headers=api_headers)
    assert response.get_json()["total"] == 4
    assert len(many) == len(few)
