"""The administrator's overview of live sessions and failed logins (docs/security.md S17, S21)."""

import re

from sqlalchemy import select

from storage.accounts import LoginSession, User
from storage.audit import AuditEvent
from tests.conftest import ADMIN, LEGAL, POLICY, csrf_token, login
from webapp.database import sessions

OVERVIEW = "/gebruikers/sessies"


def test_s17_the_administrator_sees_live_sessions_and_ends_one_at_once(app):
    officer, elsewhere, admin = app.test_client(), app.test_client(), app.test_client()
    login(officer, POLICY)
    login(elsewhere, POLICY)
    login(admin, ADMIN)
    page = admin.get(OVERVIEW).get_data(as_text=True)
    assert "3 actieve sessies" in page
    assert page.count(f"({POLICY})") == 2
    with sessions(app)() as session:
        first = session.scalars(
            select(LoginSession.id).join(User).where(User.email == POLICY).order_by(LoginSession.id)
        ).first()
    response = admin.post(
        f"{OVERVIEW}/{first}/beeindigen", data={"csrf_token": csrf_token(admin, OVERVIEW)}
    )
    assert response.status_code == 302
    # Exactly the first session of the officer ended; the second still works.
    assert officer.get("/").status_code == 302
    assert elsewhere.get("/").status_code == 200
    page = admin.get(OVERVIEW).get_data(as_text=True)
    assert "2 actieve sessies" in page and page.count(f"({POLICY})") == 1
    with sessions(app)() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "end_sessions")).one()
        assert event.actor_label.endswith(f"<{ADMIN}>")


def test_s21_failed_logins_are_listed_per_address_also_for_unknown_accounts(app):
    for address in ("10.1.1.1", "10.1.1.1", "10.2.2.2"):
        client = app.test_client()
        client.post(
            "/login",
            data={"email": LEGAL, "password": "fout", "csrf_token": csrf_token(client)},
            environ_base={"REMOTE_ADDR": address},
        )
    client = app.test_client()
    client.post(
        "/login",
        # No account, but an address in one of our domains: listed as typed (issue #14, S26).
        data={"email": "gok@enschede.example", "password": "x", "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": "10.3.3.3"},
    )
    admin = app.test_client()
    login(admin, ADMIN)
    page = admin.get(OVERVIEW).get_data(as_text=True)
    rows = re.findall(r"<tr class=\"utrecht-table__row\">(.*?)</tr>", page, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    failures = {(c[0], c[2]): (c[1], c[3]) for c in cells if len(c) == 5}
    assert failures[(LEGAL, "10.1.1.1")] == ("ja", "2")
    assert failures[(LEGAL, "10.2.2.2")] == ("ja", "1")
    assert failures[("gok@enschede.example", "10.3.3.3")] == ("nee", "1")


def test_s17_only_the_administrator_sees_or_ends_sessions(app, client):
    login(client, POLICY)
    assert client.get(OVERVIEW).status_code == 403
    with sessions(app)() as session:
        own = session.scalars(select(LoginSession.id)).first()
    token = csrf_token(client, "/")
    assert (
        client.post(f"{OVERVIEW}/{own}/beeindigen", data={"csrf_token": token}).status_code == 403
    )
    assert client.get("/").status_code == 200


def test_ending_an_unknown_session_says_so_in_dutch(app, client):
    login(client, ADMIN)
    response = client.post(
        f"{OVERVIEW}/999999/beeindigen", data={"csrf_token": csrf_token(client, OVERVIEW)}
    )
    assert response.status_code == 404
    assert "Deze sessie bestaat niet." in response.get_data(as_text=True)
