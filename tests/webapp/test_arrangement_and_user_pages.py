import re

import pytest
from sqlalchemy import select

from storage.accounts import User
from storage.arrangements import Arrangement
from tests.conftest import ADMIN, AUDITOR, LEGAL, POLICY, PROJECT, PROVIDER_CR, csrf_token, login
from webapp.database import sessions


def _arrangement_id(app):
    with sessions(app)() as session:
        return session.scalars(select(Arrangement.id)).one()


@pytest.mark.parametrize("email", [POLICY, LEGAL, PROJECT, ADMIN, AUDITOR])
def test_officers_see_the_twente_pilot_with_phases_participants_and_beds(app, client, email):
    login(client, email)
    assert "Pilot logeerzorg Twente" in client.get("/regelingen/").get_data(as_text=True)
    page = client.get(f"/regelingen/{_arrangement_id(app)}").get_data(as_text=True)
    assert "Penvoerder: Rijssen-Holten" in page
    assert "1 februari 2024" in page and "31 december 2024" in page and "1 januari 2026" in page
    assert "Gemeenten (14)" in page and "Zorgaanbieders (5)" in page
    assert "Bloemenhof" in page and "Ariënshuis" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "<title" in page


def test_s11_a_provider_sees_the_arrangement_frame_but_only_its_own_beds(app, client):
    login(client, PROVIDER_CR)
    page = client.get(f"/regelingen/{_arrangement_id(app)}").get_data(as_text=True)
    assert "Humanitas" in page
    assert "Bloemenhof" not in page and "Theresia Hof" not in page


def test_an_unknown_arrangement_is_a_dutch_404(client):
    login(client, POLICY)
    response = client.get("/regelingen/4242")
    assert response.status_code == 404
    assert "bestaat niet of u heeft er geen toegang toe" in response.get_data(as_text=True)


def test_each_role_gets_its_own_start_page(app):
    expected = {
        POLICY: "Uw gemeente",
        PROJECT: "Projectgroep",
        ADMIN: "Beheer",
        AUDITOR: "Toezicht",
        PROVIDER_CR: "Uw regelingen",
    }
    for email, heading in expected.items():
        client = app.test_client()
        login(client, email)
        assert heading in client.get("/").get_data(as_text=True), email


def test_administrator_creates_an_account_that_can_log_in(app, client):
    login(client, ADMIN)
    with sessions(app)() as session:
        from storage.organisations import Organisation

        borne = session.scalars(select(Organisation).where(Organisation.name == "Borne")).one()
    data = {
        "name": "Nieuwe Collega",
        "email": "collega@borne.example",
        "role": "policy_officer",
        "organisation_id": str(borne.id),
        "password": "paarse olifant fietst langs de Dinkel",
        "csrf_token": csrf_token(client, "/gebruikers/nieuw"),
    }
    response = client.post("/gebruikers/nieuw", data=data)
    assert response.status_code == 302
    other = app.test_client()
    assert login(other, "collega@borne.example", data["password"]).status_code == 302


def test_a_refused_account_keeps_the_fields_but_never_echoes_the_password(app, client):
    login(client, ADMIN)
    data = {
        "name": "X",
        "email": POLICY,
        "role": "policy_officer",
        "organisation_id": "1",
        "password": "welkom123456",
        "csrf_token": csrf_token(client, "/gebruikers/nieuw"),
    }
    response = client.post("/gebruikers/nieuw", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "er bestaat al een account met dit e-mailadres" in page
    assert "te makkelijk te raden" in page
    assert "welkom123456" not in page
    with sessions(app)() as session:
        assert len(session.scalars(select(User).where(User.email == POLICY)).all()) == 1


def test_s14_a_posted_role_for_an_other_field_changes_nothing(app, client):
    login(client, ADMIN)
    with sessions(app)() as session:
        from storage.organisations import Organisation

        cr = session.scalars(
            select(Organisation).where(Organisation.name == "Carintreggeland")
        ).one()
    data = {
        "name": "Tweede contract",
        "email": "tweede@carintreggeland.example",
        "role": "provider",
        "organisation_id": str(cr.id),
        "password": "paarse olifant fietst langs de Dinkel",
        "active": "0",
        "is_admin": "1",
        "csrf_token": csrf_token(client, "/gebruikers/nieuw"),
    }
    assert client.post("/gebruikers/nieuw", data=data).status_code == 302
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == data["email"])).one()
    assert user.role == "provider" and user.active is True


def test_s17_blocking_an_account_ends_its_open_session_at_once(app):
    officer = app.test_client()
    login(officer, POLICY)
    assert officer.get("/").status_code == 200
    admin = app.test_client()
    login(admin, ADMIN)
    with sessions(app)() as session:
        user_id = session.scalars(select(User.id).where(User.email == POLICY)).one()
    token = csrf_token(admin, "/gebruikers/")
    response = admin.post(
        f"/gebruikers/{user_id}/status", data={"active": "0", "csrf_token": token}
    )
    assert response.status_code == 302
    assert officer.get("/").status_code == 302  # back to the login page
    assert login(app.test_client(), POLICY).status_code == 401
    token = csrf_token(admin, "/gebruikers/")
    admin.post(f"/gebruikers/{user_id}/status", data={"active": "1", "csrf_token": token})
    assert login(app.test_client(), POLICY).status_code == 302


def test_the_administrator_cannot_block_their_own_account(app, client):
    login(client, ADMIN)
    with sessions(app)() as session:
        own = session.scalars(select(User.id).where(User.email == ADMIN)).one()
    token = csrf_token(client, "/gebruikers/")
    response = client.post(
        f"/gebruikers/{own}/status",
        data={"active": "0", "csrf_token": token},
        follow_redirects=True,
    )
    assert "U kunt uw eigen account niet blokkeren." in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_the_start_page_of_a_legal_officer_names_the_gaps_that_are_late(app, client):
    login(client, LEGAL)
    page = client.get("/").get_data(as_text=True)
    assert "Wat moet wanneer gebeuren" in page
    # Today the tender preparation of 1 April 2026 has long started: the gaps are overdue.
    assert re.search(r"\d+ (signaal is|signalen zijn) te laat\.", page)
    assert "nieuwe volmacht nodig: aanbesteding voorbereiden, aanbesteding uitvoeren" in page
