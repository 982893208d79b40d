"""docs/security.md S17 for API tokens: they expire, carry a scope (a read token changes nothing),
end with the sessions of their account (password change, "end all sessions", blocking), and
can be listed and revoked by their owner, the beheerder and on the command line; every create
and revoke is in the audit log."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from storage.accounts import ApiToken, User
from storage.arrangements import Arrangement
from storage.audit import AuditEvent
from tests.conftest import ADMIN, PASSWORD, POLICY, PROJECT, csrf_token, login
from tests.support.api_tokens import api_token, bearer
from webapp import clock
from webapp.cli import cli
from webapp.database import sessions

NEW_PASSWORD = "paarse olifant fietst langs de Dinkel"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _works(client, token) -> bool:
    status = client.get("/api/v1/organisations", headers=bearer(token)).status_code
    assert status in (200, 401)
    return status == 200


def _token_row(app, label) -> ApiToken:
    with sessions(app)() as session:
        return session.scalars(select(ApiToken).where(ApiToken.label == label)).one()


def _revocations(app) -> list[tuple[str, str]]:
    with sessions(app)() as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "api_token", AuditEvent.action == "revoke"
            )
        ).all()
        return [(e.object_id or "", (e.new_values or {}).get("reason", "")) for e in events]


def _arrangements(app) -> int:
    with sessions(app)() as session:
        return int(session.scalar(select(func.count()).select_from(Arrangement)) or 0)


def test_s17_a_read_token_is_refused_on_every_write_with_a_dutch_403(app, client):
    read = api_token(app, PROJECT, scope="read", label="dashboard")
    write = api_token(app, PROJECT, scope="write", label="koppeling")
    assert client.get("/api/v1/arrangements", headers=bearer(read)).status_code == 200
    before = _arrangements(app)
    arrangement_id = client.get("/api/v1/arrangements", headers=bearer(read)).get_json()["items"][
        0
    ]["id"]
    for method, path in (
        ("post", "/api/v1/arrangements"),
        ("patch", f"/api/v1/arrangements/{arrangement_id}"),
        ("post", f"/api/v1/arrangements/{arrangement_id}/phases"),
    ):
        refused = getattr(client, method)(path, json={"name": "Nieuw"}, headers=bearer(read))
        assert refused.status_code == 403, path
        error = refused.get_json()["error"]
        assert error["code"] == "forbidden" and "mag alleen lezen" in error["message"]
    # The same request with a write token reaches the use case (which names what is missing).
    assert client.post("/api/v1/arrangements", json={}, headers=bearer(write)).status_code == 422
    assert _arrangements(app) == before
    with sessions(app)() as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "api_token", AuditEvent.result == "denied"
            )
        ).all()
    assert len(denied) == 3 and {e.object_id for e in denied} == {
        str(_token_row(app, "dashboard").id)
    }


def test_s17_an_expired_token_is_refused(app, client):
    long_ago = clock.now() - timedelta(days=91)
    expired = api_token(app, POLICY, label="oud", now=long_ago)
    almost = api_token(app, POLICY, label="bijna", days=1, now=clock.now() - timedelta(hours=23))
    assert not _works(client, expired)
    assert _works(client, almost)
    with sessions(app)() as session:
        made = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "api_token", AuditEvent.action == "create"
            )
        ).all()
    assert {(e.new_values or {})["label"] for e in made} == {"oud", "bijna"}
    assert all((e.new_values or {})["expires_at"] for e in made)


def test_s17_a_password_change_revokes_every_token_of_the_account(app, client):
    token = api_token(app, POLICY, label="koppeling")
    other = api_token(app, PROJECT, label="van een ander")
    login(client, POLICY)
    response = client.post(
        "/account/wachtwoord",
        data={
            "current": PASSWORD,
            "new": NEW_PASSWORD,
            "repeat": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/account/wachtwoord"),
        },
    )
    assert response.status_code == 302
    api = app.test_client()
    assert not _works(api, token)
    assert _works(api, other)
    assert (str(_token_row(app, "koppeling").id), "password_change") in _revocations(app)


def test_s17_ending_all_sessions_revokes_every_token_of_the_account(app, client):
    token = api_token(app, POLICY, label="koppeling")
    login(client, POLICY)
    response = client.post(
        "/account/sessies-beeindigen",
        data={"csrf_token": csrf_token(client, "/account/wachtwoord")},
    )
    assert response.status_code == 302
    assert not _works(app.test_client(), token)
    assert (str(_token_row(app, "koppeling").id), "end_sessions") in _revocations(app)


def test_s17_blocking_the_account_revokes_its_tokens_for_good(app, client):
    token = api_token(app, POLICY, label="koppeling")
    with sessions(app)() as session:
        user_id = session.scalars(select(User.id).where(User.email == POLICY)).one()
    login(client, ADMIN)
    token_field = csrf_token(client, "/gebruikers/")
    blocked = client.post(
        f"/gebruikers/{user_id}/status", data={"active": "0", "csrf_token": token_field}
    )
    assert blocked.status_code == 302
    assert not _works(app.test_client(), token)
    unblocked = client.post(
        f"/gebruikers/{user_id}/status", data={"active": "1", "csrf_token": token_field}
    )
    assert unblocked.status_code == 302
    assert not _works(app.test_client(), token)  # unblocking does not bring a token back
    assert (str(_token_row(app, "koppeling").id), "blocked") in _revocations(app)


def test_s17_the_user_lists_and_revokes_own_tokens_but_not_anothers(app, client):
    own = api_token(app, POLICY, scope="read", label="mijn rapportage")
    foreign = api_token(app, PROJECT, label="van de projectgroep")
    login(client, POLICY)
    assert "Uw API-tokens bekijken of intrekken" in client.get("/account/wachtwoord").get_data(
        as_text=True
    )
    page = client.get("/account/api-tokens").get_data(as_text=True)
    table = page[page.index("<table") : page.index("</table>")]
    assert "mijn rapportage" in table and "alleen lezen" in table and "geldig" in table
    assert "van de projectgroep" not in table
    assert "nooit" in table and not ISO_DATE.search(table)  # Dutch dates, never used yet
    foreign_id = _token_row(app, "van de projectgroep").id
    token_field = csrf_token(client, "/account/api-tokens")
    refused = client.post(
        f"/account/api-tokens/{foreign_id}/intrekken", data={"csrf_token": token_field}
    )
    assert refused.status_code == 404
    assert _works(app.test_client(), foreign)
    own_id = _token_row(app, "mijn rapportage").id
    revoked = client.post(
        f"/account/api-tokens/{own_id}/intrekken", data={"csrf_token": token_field}
    )
    assert revoked.status_code == 302
    assert not _works(app.test_client(), own)
    after = client.get("/account/api-tokens").get_data(as_text=True)
    assert "ingetrokken op" in after
    assert f"/account/api-tokens/{own_id}/intrekken" not in after
    assert (str(own_id), "revoked") in _revocations(app)


def test_s17_the_beheerder_sees_and_revokes_every_token(app, client):
    token = api_token(app, PROJECT, label="koppeling projectgroep")
    officer = app.test_client()
    login(officer, POLICY)
    assert officer.get("/gebruikers/api-tokens").status_code == 403
    login(client, ADMIN)
    assert "API-tokens" in client.get("/gebruikers/").get_data(as_text=True)
    page = client.get("/gebruikers/api-tokens").get_data(as_text=True)
    assert "koppeling projectgroep" in page and PROJECT in page
    row_id = _token_row(app, "koppeling projectgroep").id
    response = client.post(
        f"/gebruikers/api-tokens/{row_id}/intrekken",
        data={"csrf_token": csrf_token(client, "/gebruikers/api-tokens")},
    )
    assert response.status_code == 302
    assert not _works(app.test_client(), token)
    missing = client.post(
        "/gebruikers/api-tokens/999999/intrekken",
        data={"csrf_token": csrf_token(client, "/gebruikers/api-tokens")},
    )
    assert missing.status_code == 404


def test_s17_the_command_line_makes_lists_and_revokes_tokens(app):
    runner = app.test_cli_runner()
    made = runner.invoke(
        cli,
        ["create-api-token", "--user", PROJECT, "--label", "nachtelijke import", "--days", "30"],
    )
    assert made.exit_code == 0, made.output
    assert "alleen lezen" in made.output  # read is the default: least privilege
    token = made.output.strip().splitlines()[-1]
    client = app.test_client()
    assert _works(client, token)
    assert client.post("/api/v1/arrangements", json={}, headers=bearer(token)).status_code == 403
    row = _token_row(app, "nachtelijke import")
    assert row.expires_at - row.created_at == timedelta(days=30) and row.scope == "read"
    listed = runner.invoke(cli, ["list-api-tokens", "--user", PROJECT])
    assert listed.exit_code == 0
    assert f"#{row.id}  {PROJECT}  nachtelijke import  lezen" in listed.output
    assert "geldig" in listed.output and not ISO_DATE.search(listed.output)
    revoked = runner.invoke(cli, ["revoke-api-token", str(row.id)])
    assert revoked.exit_code == 0 and "is ingetrokken" in revoked.output
    assert not _works(client, token)
    assert "ingetrokken" in runner.invoke(cli, ["list-api-tokens"]).output
    second = runner.invoke(cli, ["create-api-token", "--user", PROJECT, "--scope", "write"])
    everything = runner.invoke(cli, ["revoke-api-token", "--user", PROJECT])
    assert everything.exit_code == 0 and "1 API-tokens" in everything.output
    assert not _works(client, second.output.strip().splitlines()[-1])
    with sessions(app)() as session:
        origins = session.scalars(
            select(AuditEvent.origin).where(AuditEvent.object_type == "api_token")
        ).all()
    assert origins.count("cli create-api-token") == 2
    assert origins.count("cli revoke-api-token") == 2


def test_s17_the_command_line_refuses_bad_token_input_in_dutch(app):
    runner = app.test_cli_runner()
    too_long = runner.invoke(cli, ["create-api-token", "--user", PROJECT, "--days", "0"])
    assert too_long.exit_code == 1 and "Geldigheid: kies 1 tot en met 366 dagen" in too_long.output
    neither = runner.invoke(cli, ["revoke-api-token"])
    assert neither.exit_code == 1 and "noem een tokennummer" in neither.output
    unknown = runner.invoke(cli, ["revoke-api-token", "424242"])
    assert unknown.exit_code == 1 and "bestaat niet" in unknown.output
    nobody = runner.invoke(cli, ["list-api-tokens", "--user", "niemand@x.example"])
    assert nobody.exit_code == 1 and "geen account" in nobody.output
    with sessions(app)() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 0
