"""The beheerder's work on accounts (issue #16, point 4): role and organisation with a version
check (S28) and an explicit field list (S14), a one-time link for a new password, and a reset
of the second factor; each step in the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.accounts import LoginSession, User
from storage.audit import AuditEvent
from storage.organisations import Organisation
from storage.password_resets import PasswordResetLink
from tests.conftest import (
    ADMIN,
    AUDITOR,
    PASSWORD,
    POLICY,
    PROVIDER_CR,
    PROVIDER_LI,
    csrf_token,
    login,
)
from tests.support.smtp import app_with_mail_server
from webapp import clock
from webapp.database import sessions

NOW = datetime(2025, 6, 2, 9, 0, 7, tzinfo=UTC)
NEW_PASSWORD = "Nieuwe-fietsroute-langs-de-Dinkel"


@pytest.fixture
def moment(monkeypatch):
    now = {"at": NOW}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    return now


def _user(app, email):
    with sessions(app)() as session:
        return session.scalars(select(User).where(User.email == email)).one()


def _organisation_id(app, name):
    with sessions(app)() as session:
        return session.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def _events(app, action):
    with sessions(app)() as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _edit(client, user, **form):
    path = f"/gebruikers/{user.id}/wijzigen"
    data = {"csrf_token": csrf_token(client, path), "version": str(user.version), **form}
    return client.post(path, data=data)


def test_administrator_changes_role_and_organisation(app, client, moment):
    login(client, ADMIN)
    policy = _user(app, POLICY)
    borne = _organisation_id(app, "Borne")
    page = client.get(f"/gebruikers/{policy.id}/wijzigen").get_data(as_text=True)
    assert "Rol en organisatie" in page and "beleidsmedewerker" in page
    response = _edit(client, policy, role="legal_officer", organisation_id=str(borne))
    assert response.status_code == 302
    changed = _user(app, POLICY)
    assert (changed.role, changed.organisation_id) == ("legal_officer", borne)
    event = _events(app, "update")[-1]
    assert event.object_type == "user" and event.new_values["role"] == "legal_officer"
    log = client.get("/beheer/auditlog/?object=user").get_data(as_text=True)
    assert "Rol: beleidsmedewerker → jurist" in log


def test_s28_second_save_of_a_user_gets_409_with_what_changed(app, client, moment):
    login(client, ADMIN)
    policy = _user(app, POLICY)  # both administrators opened version 1
    first = _edit(client, policy, role="legal_officer", organisation_id=str(policy.organisation_id))
    assert first.status_code == 302
    second = _edit(
        client, policy, role="project_group", organisation_id=str(_organisation_id(app, "Borne"))
    )
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Iemand anders heeft dit account intussen gewijzigd" in page
    assert "Rol: jurist" in page
    assert _user(app, POLICY).role == "legal_officer"  # nothing overwritten


def test_s14_user_edit_binds_only_role_and_organisation(app, client, moment):
    login(client, ADMIN)
    policy = _user(app, POLICY)
    _edit(
        client,
        policy,
        role="legal_officer",
        organisation_id=str(policy.organisation_id),
        email="aanvaller@example.org",
        active="0",
        password_hash="x",
        totp_secret_sealed="AAAA",
    )
    after = _user(app, POLICY)
    assert after.email == POLICY and after.active and after.totp_secret_sealed is None
    assert after.password_hash == policy.password_hash


def test_provider_role_only_with_a_provider_organisation_and_vice_versa(app, client, moment):
    login(client, ADMIN)
    policy = _user(app, POLICY)
    provider = _user(app, PROVIDER_CR)
    refused = _edit(client, policy, role="provider", organisation_id=str(policy.organisation_id))
    assert refused.status_code == 422
    assert "de rol aanbieder hoort bij een zorgaanbieder" in refused.get_data(as_text=True)
    refused = _edit(
        client, provider, role="policy_officer", organisation_id=str(provider.organisation_id)
    )
    assert refused.status_code == 422
    assert "hoort bij een gemeente" in refused.get_data(as_text=True)
    assert _user(app, POLICY).role == "policy_officer"
    assert _user(app, PROVIDER_CR).role == "provider"


def _make_link(client, user):
    response = client.post(
        f"/gebruikers/{user.id}/wachtwoordlink",
        data={"csrf_token": csrf_token(client, f"/gebruikers/{user.id}/wijzigen")},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return re.search(r"http://localhost(/gebruikers/nieuw-wachtwoord/[A-Za-z0-9_-]+)", page).group(
        1
    )


def _set(client, path, password=NEW_PASSWORD, repeat=None):
    # From the login page: a used or expired link's page has no form, hence no token.
    return client.post(
        path,
        data={
            "new": password,
            "repeat": repeat if repeat is not None else password,
            "csrf_token": csrf_token(client),
        },
    )


def test_password_reset_link_is_single_use_and_expires(app, moment):
    admin = app.test_client()
    login(admin, ADMIN)
    policy = _user(app, POLICY)
    victim = app.test_client()
    login(victim, POLICY)
    path = _make_link(admin, policy)
    token = path.rsplit("/", 1)[1]
    with sessions(app)() as session:
        stored = session.scalars(select(PasswordResetLink)).one()
        assert stored.token_hash != token and token not in stored.token_hash  # only a hash
    # The project's password rules hold.
    weak = _set(app.test_client(), path, "kort")
    assert weak.status_code == 422 and "Nieuw wachtwoord" in weak.get_data(as_text=True)
    anonymous = app.test_client()
    assert _set(anonymous, path).status_code == 302
    assert victim.get("/").status_code == 302  # the user's sessions ended (S17)
    assert login(app.test_client(), POLICY, NEW_PASSWORD).status_code == 302
    again = _set(app.test_client(), path, "Nog-een-heel-ander-wachtwoord")
    assert again.status_code == 404 and "al gebruikt" in again.get_data(as_text=True)
    assert _events(app, "password_reset") and _events(app, "password_reset_link")

    later = _make_link(admin, _user(app, POLICY))
    moment["at"] = NOW + timedelta(hours=24, seconds=1)
    expired = app.test_client().get(later)
    assert expired.status_code == 404 and "verlopen" in expired.get_data(as_text=True)
    assert _set(app.test_client(), later).status_code == 404


def test_password_reset_link_replaced_by_a_newer_one(app, client, moment):
    login(client, ADMIN)
    policy = _user(app, POLICY)
    first = _make_link(client, policy)
    second = _make_link(client, policy)
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_password_reset_link_is_mailed_when_smtp_is_configured(database_url, tmp_path, moment):
    with app_with_mail_server(database_url, tmp_path / "data") as (app, box):
        client = app.test_client()
        login(client, ADMIN)
        path = _make_link(client, _user(app, POLICY))
    assert len(box.messages) == 1
    message = box.messages[0]
    assert message["To"] == POLICY
    assert path in message.get_payload(decode=True).decode("utf-8")


def test_second_factor_reset_makes_a_provider_set_it_up_again(app, moment):
    admin = app.test_client()
    login(admin, ADMIN)
    provider = app.test_client()
    login(provider, PROVIDER_LI)
    assert provider.get("/").status_code == 200
    user = _user(app, PROVIDER_LI)
    response = admin.post(
        f"/gebruikers/{user.id}/tweede-factor-wissen",
        data={"csrf_token": csrf_token(admin, f"/gebruikers/{user.id}/wijzigen")},
        follow_redirects=True,
    )
    assert "stelt die bij de volgende aanmelding opnieuw in" in response.get_data(as_text=True)
    after = _user(app, PROVIDER_LI)
    assert after.totp_secret_sealed is None and after.totp_confirmed_at is None
    assert provider.get("/").status_code == 302  # sessions ended
    with sessions(app)() as session:
        assert not session.scalars(
            select(LoginSession).where(
                LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
            )
        ).all()
    again = app.test_client()
    csrf = csrf_token(again)
    step = again.post(
        "/login", data={"email": PROVIDER_LI, "password": PASSWORD, "csrf_token": csrf}
    )
    assert step.headers["Location"].endswith("/login/code")
    assert "Tweede factor instellen" in again.get("/login/code").get_data(as_text=True)
    assert _events(app, "second_factor_reset")[-1].object_id == str(user.id)


def test_user_admin_pages_are_for_the_beheerder_only(app, client, moment):
    login(client, POLICY)
    policy = _user(app, POLICY)
    assert client.get(f"/gebruikers/{policy.id}/wijzigen").status_code == 403


def test_user_admin_steps_read_in_dutch_in_the_audit_log(app, client, moment):
    login(client, ADMIN)
    provider = _user(app, PROVIDER_LI)
    _make_link(client, provider)
    client.post(
        f"/gebruikers/{provider.id}/tweede-factor-wissen",
        data={"csrf_token": csrf_token(client, f"/gebruikers/{provider.id}/wijzigen")},
    )
    auditor = app.test_client()
    login(auditor, AUDITOR)
    page = auditor.get("/beheer/auditlog/?object=user").get_data(as_text=True)
    assert "link voor nieuw wachtwoord gemaakt" in page
    assert "Geldig tot: 3 juni 2025" in page
    assert "tweede factor gewist door beheerder" in page
    assert "Tweede factor ingesteld: ja → nee" in page
    assert "expires_at" not in page and "second_factor_reset" not in page
