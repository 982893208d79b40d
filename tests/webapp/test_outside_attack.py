"""Issue #14 ("close the holes found by an outside attack"), point 8: the weaker points.

Each test names its requirement (docs/security.md) and failed on the code before the fix.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from storage.accounts import LoginAttempt
from storage.agreements import Agreement
from storage.audit import AuditEvent
from storage.decisions import Decision
from storage.organisations import Organisation
from tests.conftest import ADMIN, PASSWORD, POLICY, PROVIDER_LI, csrf_token, login
from webapp.auth import local_path
from webapp.config import ConfigurationError, load_settings, secret_key_problem
from webapp.database import sessions
from workflows.accounts import accounts
from workflows.accounts.accounts import UNRECOGNISED_LOGIN_NAME
from workflows.errors import InvalidInput
from workflows.rules.passwords import password_problem

# --- S23: a weak SECRET_KEY is refused at start --------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        "a" * 32,
        "s" * 48,
        "ab" * 16,
        "abcd" * 10,
        "changeme" * 4,
        "0123456789abcdef" * 2,
        "abcdefghijklmnopqrstuvwxyz012345",
        "CHANGEME",
        "Secret-Key",
    ],
)
def test_s23_weak_secret_key_is_refused_in_production(tmp_path, secret):
    env = {
        "BESLUITWERK_DATA_DIR": str(tmp_path),
        "TRUSTED_HOSTS": "besluitwerk.example",
        "SECRET_KEY": secret,
    }
    with pytest.raises(ConfigurationError, match="SECRET_KEY") as refused:
        load_settings(env, production=True)
    assert "secrets.token_urlsafe(48)" in str(refused.value)


def test_s23_weak_secret_key_message_says_why_and_a_random_key_is_accepted(tmp_path):
    assert "verschillende tekens" in (secret_key_problem("x" * 40) or "")
    assert "te makkelijk te raden" in (secret_key_problem("0123456789abcdef" * 2) or "")
    assert "te kort" in (secret_key_problem("Kort-Maar-Willekeurig-9q") or "")
    for random_key in (
        "q7Vd2-LmX9pR4tKz8WbN3yHc6JfE1sGa5UoQ0iTe",
        "81da4249088b13c05db7ad0c1d3a77eb",
    ):
        assert secret_key_problem(random_key) is None


def test_s23_weak_secret_key_stops_serve_with_a_clear_message(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from webapp.cli import cli

    monkeypatch.setenv("BESLUITWERK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRUSTED_HOSTS", "besluitwerk.example")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    result = CliRunner().invoke(cli, ["serve", "--dry-run"])
    assert result.exit_code == 1
    assert "SECRET_KEY is te eenvoudig" in result.output


def test_s23_unknown_proxy_settings_are_refused(tmp_path):
    base = {"BESLUITWERK_DATA_DIR": str(tmp_path), "SECRET_KEY": "x"}
    with pytest.raises(ConfigurationError, match="BEHIND_PROXY"):
        load_settings({**base, "BEHIND_PROXY": "misschien"})
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        load_settings({**base, "BEHIND_PROXY": "1", "TRUSTED_PROXIES": "proxy.example"})
    settings = load_settings({**base, "BEHIND_PROXY": "2", "TRUSTED_PROXIES": "10.0.0.0/24"})
    assert settings.proxy_hops == 2 and settings.trusted_proxies == ("10.0.0.0/24",)


# --- next=: the login redirect is a safe local path ----------------------------------------

HOSTILE_TARGETS = [
    "/\r\nSet-Cookie: besluitwerk_session=x",
    "/besluiten\r\nLocation: https://evil.example",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "/%0d%0aSet-Cookie:x=1",
    "/%5Cevil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_next_with_crlf_or_another_host_falls_back_to_the_start_page(client, target):
    token = csrf_token(client)
    data = {"email": POLICY, "password": PASSWORD, "csrf_token": token, "next": target}
    response = client.post("/login", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Set-Cookie: besluitwerk_session=x" not in str(response.headers)


def test_next_keeps_a_plain_local_path_with_its_query():
    for target in ("/besluiten/3", "/volmachten?regeling=1&status=granted", "/x?q=a%20b"):
        assert local_path(target, default="/") == target


def test_next_on_the_login_page_with_crlf_is_a_page_not_a_500(client):
    response = client.get("/login", query_string={"next": "/\r\nX-Evil: 1"})
    assert response.status_code == 200


# --- S26: a password typed into the e-mail field is not logged ------------------------------


def test_s26_a_password_typed_as_login_name_is_neither_logged_nor_audited(app, client, caplog):
    typed = "Mijn-Geheim-Wachtwoord-2025"
    caplog.set_level(logging.WARNING, logger="besluitwerk")
    assert login(client, typed, "nog-iets").status_code == 401
    assert typed.lower() not in caplog.text.lower()
    assert UNRECOGNISED_LOGIN_NAME in caplog.text
    with sessions(app)() as session:
        labels = session.scalars(select(AuditEvent.actor_label)).all()
        counted = session.scalars(select(LoginAttempt.email)).all()
    assert not any(typed.lower() in label.lower() for label in labels)
    assert counted == [UNRECOGNISED_LOGIN_NAME]


def test_s26_an_unknown_address_in_one_of_our_domains_is_logged_for_the_beheerder(
    app, client, caplog
):
    caplog.set_level(logging.WARNING, logger="besluitwerk")
    login(client, "Beleid@Enschde.example", "fout-wachtwoord")  # a typo in the domain
    login(client, "belied@enschede.example", "fout-wachtwoord")  # a typo in the name
    assert "belied@enschede.example" in caplog.text
    assert "enschde.example" not in caplog.text.lower()
    with sessions(app)() as session:
        counted = set(session.scalars(select(LoginAttempt.email)).all())
    assert counted == {"belied@enschede.example", UNRECOGNISED_LOGIN_NAME}


def test_s26_unknown_names_are_still_throttled_with_the_same_answer(client):
    from workflows.rules import throttle

    for i in range(throttle.MAX_PER_ACCOUNT_AND_ADDRESS):
        assert login(client, f"wachtwoord-{i}", "x").status_code == 401
    assert login(client, "nog-een-wachtwoord", "x").status_code == 429


# --- S27: refused probes leave a trace -----------------------------------------------------


def test_s27_another_providers_agreement_is_404_and_logged_with_actor_and_object(app, caplog):
    with sessions(app)() as session:
        foreign = session.scalars(
            select(Agreement.id)
            .join(Organisation, Agreement.provider_id == Organisation.id)
            .where(Organisation.name.not_like("%Liberein%"))
        ).first()
    assert foreign is not None
    client = app.test_client()
    login(client, PROVIDER_LI)
    caplog.set_level(logging.WARNING, logger="besluitwerk")
    assert client.get(f"/overeenkomsten/{foreign}").status_code == 404
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any(PROVIDER_LI in line and f"agreement:{foreign}" in line for line in lines), lines


def test_s27_a_use_case_refusal_via_the_api_is_logged_and_audited(app, caplog, token_for):
    with sessions(app)() as session:
        regional = session.scalars(
            select(Decision).where(Decision.municipality_id.is_(None))
        ).first()
        assert regional is not None
        decision_id, version = regional.id, regional.version
    headers = token_for(POLICY)
    caplog.set_level(logging.WARNING, logger="besluitwerk")
    client = app.test_client()
    response = client.patch(
        f"/api/v1/decisions/{decision_id}",
        json={"subject": "Overgenomen", "version": version},
        headers=headers,
    )
    assert response.status_code == 403
    assert any(
        POLICY in r.getMessage() and f"decision:{decision_id}" in r.getMessage()
        for r in caplog.records
    )
    with sessions(app)() as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.result == "denied", AuditEvent.object_type == "decision"
            )
        ).all()
    assert [(e.object_id, e.action) for e in denied] == [(str(decision_id), "access")]
    assert POLICY in denied[0].actor_label


def test_s27_a_bad_api_token_and_a_bad_csrf_token_are_logged(app, caplog):
    caplog.set_level(logging.WARNING, logger="besluitwerk")
    client = app.test_client()
    assert (
        client.get(
            "/api/v1/organisations", headers={"Authorization": "Bearer bw_geraden-token"}
        ).status_code
        == 401
    )
    assert "api token refused" in caplog.text and "bw_geraden-token" not in caplog.text
    login(client, POLICY)
    assert client.post("/logout", data={"csrf_token": "vals"}).status_code == 400
    csrf = [r.getMessage() for r in caplog.records if "csrf refused" in r.getMessage()]
    assert csrf and POLICY in csrf[-1] and "/logout" in csrf[-1]


# --- S20: passwords built from the e-mail address, name or organisation ---------------------


@pytest.mark.parametrize(
    "password",
    [
        "Enschede-2025-Zomer!",
        "beleid.2025.Zonnebloem",
        "ENSCHEDE!!zomerzon77",
        "E-n-s-c-h-e-d-e-12",
    ],
)
def test_s20_a_password_built_from_email_or_organisation_is_refused(password):
    related = ["beleid@enschede.example", "Bea Beleid", "Enschede"]
    assert "e-mailadres, naam of organisatie" in (password_problem(password, related=related) or "")


def test_s20_a_password_containing_the_organisation_is_refused_at_account_creation(app):
    with sessions(app)() as session:
        admin = accounts.actor_for(
            accounts.account_store.find_user_by_email(session, ADMIN), "test"
        )
        organisation = session.scalars(
            select(Organisation).where(Organisation.name == "Hengelo")
        ).one()
        with pytest.raises(InvalidInput) as refused:
            accounts.create_user(
                session,
                admin,
                email="j.jansen@hengelo.example",
                name="Jan Jansen",
                role="policy_officer",
                organisation_id=organisation.id,
                password="Hengelo#2025#Zomeravond",
            )
        assert "organisatie" in refused.value.errors["password"]


def test_s20_a_new_password_with_the_users_name_is_refused_on_change(app):
    client = app.test_client()
    login(client, POLICY)
    token = csrf_token(client, "/account/wachtwoord")
    response = client.post(
        "/account/wachtwoord",
        data={
            "current": PASSWORD,
            "new": "Enschede!Zonnebloem-77",
            "repeat": "Enschede!Zonnebloem-77",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert "e-mailadres, naam of organisatie" in response.get_data(as_text=True)
