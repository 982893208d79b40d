"""The second factor (docs/security.md S19): TOTP with recovery codes, required for providers and
beheerders, available to everyone; wrong codes count as failed logins (S21)."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storage.accounts import User
from storage.audit import AuditEvent
from tests.conftest import ADMIN, POLICY, PROVIDER_LI, TOTP_SECRET, csrf_token, login, totp_code
from webapp import clock
from webapp.database import sessions
from workflows.accounts import second_factor

NOW = datetime(2025, 6, 2, 9, 0, 7, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _password_step(client: FlaskClient, email: str) -> str:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": email, "password": "Logeren-in-Twente-2025", "csrf_token": token}
    )
    assert response.status_code == 302
    return response.headers["Location"]


def _code(client: FlaskClient, code: str) -> object:
    return client.post(
        "/login/code", data={"code": code, "csrf_token": csrf_token(client, "/login/code")}
    )


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def _user(app: Flask, email: str) -> User:
    with sessions(app)() as session:
        return session.scalars(select(User).where(User.email == email)).one()


def _secret(app: Flask, email: str) -> str | None:
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return second_factor.secret_of(session, user)


def _forget_second_factor(app: Flask, email: str) -> None:
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        user.totp_secret_sealed = None
        user.totp_confirmed_at = None
        session.commit()


def test_s19_a_provider_without_second_factor_must_enrol_before_any_page(app, client):
    _forget_second_factor(app, PROVIDER_LI)
    assert _password_step(client, PROVIDER_LI).endswith("/login/code")
    assert not _signed_in(client)  # the password alone gives no session
    page = client.get("/login/code").get_data(as_text=True)
    assert "Tweede factor instellen" in page and "<svg" in page
    secret = re.search(r'<code class="bw-secret">([A-Z2-7]{32})</code>', page).group(1)

    wrong = _code(client, "000000")
    assert wrong.status_code == 422
    assert "klopt niet" in wrong.get_data(as_text=True)
    assert not _signed_in(client)

    done = _code(client, pyotp.TOTP(secret).at(NOW))
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _signed_in(client)
    assert _secret(app, PROVIDER_LI) == secret
    assert _user(app, PROVIDER_LI).totp_confirmed_at is not None


def test_s19_an_administrator_needs_the_current_code_and_a_code_works_once(app, client):
    assert _password_step(client, ADMIN).endswith("/login/code")
    page = client.get("/login/code").get_data(as_text=True)
    assert "Code invoeren" in page and "bw-secret" not in page  # enrolled: no secret shown again
    assert _code(client, "123456").status_code == 401
    assert not _signed_in(client)
    code = totp_code(app, ADMIN)
    assert _code(client, code).status_code == 302
    assert _signed_in(client)

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, ADMIN)
    replay = _code(client, code)
    assert replay.status_code == 401  # the same code a second time is refused
    assert not _signed_in(client)


def test_s19_a_recovery_code_logs_in_once(app, client):
    _forget_second_factor(app, PROVIDER_LI)
    _password_step(client, PROVIDER_LI)
    page = client.get("/login/code").get_data(as_text=True)
    secret = re.search(r'<code class="bw-secret">([A-Z2-7]{32})</code>', page).group(1)
    codes_page = _code(client, pyotp.TOTP(secret).at(NOW)).get_data(as_text=True)
    recovery = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", codes_page)[0]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    _password_step(client, PROVIDER_LI)
    assert _code(client, recovery.upper().replace("-", " ")).status_code == 302
    assert _signed_in(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, PROVIDER_LI)
    assert _code(client, recovery).status_code == 401
    with sessions(app)() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("second_factor%"))
        ).all()
    assert "second_factor_recovery" in actions and "second_factor_enrol" in actions


def test_s19_s21_wrong_codes_are_throttled_like_wrong_passwords(app, client):
    _password_step(client, ADMIN)
    answers = [_code(client, "999999").status_code for _ in range(6)]
    assert answers[:5] == [401] * 5
    assert answers[5] == 429
    # Even the right code is refused while the account is throttled.
    assert _code(client, totp_code(app, ADMIN)).status_code == 429
    assert not _signed_in(client)


def test_s19_the_step_between_password_and_code_expires(client, monkeypatch):
    _password_step(client, ADMIN)
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=6))
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_s19_a_policy_officer_logs_in_without_code_and_may_switch_it_on_and_off(app, client):
    assert login(client, POLICY).headers["Location"] == "/"
    page = client.get("/account/tweede-factor").get_data(as_text=True)
    secret = re.search(r'<code class="bw-secret">([A-Z2-7]{32})</code>', page).group(1)
    token = csrf_token(client, "/account/tweede-factor")
    on = client.post(
        "/account/tweede-factor",
        data={"action": "aanzetten", "code": pyotp.TOTP(secret).at(NOW), "csrf_token": token},
    )
    assert on.status_code == 200 and "herstelcodes" in on.get_data(as_text=True)
    assert _user(app, POLICY).totp_confirmed_at is not None

    other = app.test_client()
    assert _password_step(other, POLICY).endswith("/login/code")  # now a code is asked

    off = client.post("/account/tweede-factor", data={"action": "uitzetten", "csrf_token": token})
    assert off.status_code == 302
    assert _user(app, POLICY).totp_secret_sealed is None


def test_s19_an_administrator_cannot_switch_the_required_factor_off(app, client):
    login(client, ADMIN)
    token = csrf_token(client, "/account/tweede-factor")
    response = client.post(
        "/account/tweede-factor", data={"action": "uitzetten", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "verplicht" in response.get_data(as_text=True)
    assert _secret(app, ADMIN) == TOTP_SECRET


def _cookie_text(client: FlaskClient) -> str:
    """What anyone who sees the session cookie can read: it is signed, not encrypted."""
    cookie = client.get_cookie(client.application.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    payload = cookie.value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if cookie.value.startswith(".") else raw).decode()


@pytest.mark.parametrize("where", ["login", "account"])
def test_s31_the_secret_being_enrolled_is_not_readable_in_the_session_cookie(app, client, where):
    if where == "login":
        _forget_second_factor(app, PROVIDER_LI)
        _password_step(client, PROVIDER_LI)
        path = "/login/code"
    else:
        login(client, POLICY)
        path = "/account/tweede-factor"
    page = client.get(path).get_data(as_text=True)
    secret = re.search(r'<code class="bw-secret">([A-Z2-7]{32})</code>', page).group(1)
    assert secret not in _cookie_text(client)
    # The page shown again keeps the same secret: the app that scanned it keeps working.
    assert secret in client.get(path).get_data(as_text=True)


def test_s31_a_pending_secret_sealed_for_one_account_does_not_open_for_another(app):
    with sessions(app)() as session:
        policy = session.scalars(select(User).where(User.email == POLICY)).one()
        admin = session.scalars(select(User).where(User.email == ADMIN)).one()
        secret, kept = second_factor.pending_secret(session, policy, None)
        assert second_factor.pending_secret(session, policy, kept) == (secret, kept)
        other, _ = second_factor.pending_secret(session, admin, kept)
        assert other != secret
        # A changed value does not open either: a fresh secret replaces it.
        changed, _ = second_factor.pending_secret(session, policy, kept[:-2] + "AA")
        assert changed != secret
