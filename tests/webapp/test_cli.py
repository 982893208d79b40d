from sqlalchemy import func, select

from storage.accounts import User
from storage.audit import AuditEvent
from tests.conftest import make_settings
from webapp.app import create_app
from webapp.cli import cli
from webapp.database import sessions


def _app(url, tmp_path):
    return create_app(make_settings(url, tmp_path / "data"))


def _invoke(app, *args, input=None):
    runner = app.test_cli_runner()
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def test_db_upgrade_then_seed_demo_prints_every_account_and_is_idempotent(
    empty_database_url, tmp_path
):
    app = _app(empty_database_url, tmp_path)
    from storage.migrate import head_revision

    assert f"versie {head_revision()}." in _invoke(app, "db", "upgrade").output
    first = _invoke(app, "seed-demo")
    assert first.exit_code == 0
    lines = [line for line in first.output.splitlines() if line.startswith("  ")]
    assert len(lines) == 11  # five officers, Borne's jurist (the co-adviser), five providers
    assert "jurist@borne.example  jurist  Borne  Logeren-in-Twente-2025" in first.output
    assert (
        "beleid@enschede.example  beleidsmedewerker  Enschede  Logeren-in-Twente-2025"
        in first.output
    )
    assert first.output.rstrip().endswith("Inloggen op http://127.0.0.1:5000/login")
    with sessions(app)() as session:
        users = session.scalar(select(func.count()).select_from(User))
    second = _invoke(app, "seed-demo")
    assert second.exit_code == 0
    with sessions(app)() as session:
        assert session.scalar(select(func.count()).select_from(User)) == users
    app.extensions["besluitwerk.engine"].dispose()


def test_create_user_and_api_token_print_the_token_on_the_last_line(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    made = _invoke(
        app,
        "create-user",
        "--email",
        "nieuw@borne.example",
        "--name",
        "Nieuw",
        "--role",
        "legal_officer",
        "--organisation",
        "Borne",
        "--password",
        "paarse olifant fietst langs de Dinkel",
    )
    assert made.exit_code == 0 and "Account aangemaakt" in made.output
    result = _invoke(app, "create-api-token", "--user", "nieuw@borne.example")
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("bw_")
    client = app.test_client()
    response = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    with sessions(app)() as session:
        origins = session.scalars(
            select(AuditEvent.origin).where(AuditEvent.object_type == "api_token")
        ).all()
    assert origins == ["cli create-api-token"]
    app.extensions["besluitwerk.engine"].dispose()


def test_create_user_refuses_bad_input_in_dutch_with_exit_code_1(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    result = _invoke(
        app,
        "create-user",
        "--email",
        "x@y.example",
        "--name",
        "X",
        "--role",
        "auditor",
        "--organisation",
        "Atlantis",
        "--password",
        "paarse olifant fietst langs de Dinkel",
    )
    assert result.exit_code == 1 and "geen organisatie met de naam 'Atlantis'" in result.output
    weak = _invoke(
        app,
        "create-user",
        "--email",
        "x@y.example",
        "--name",
        "X",
        "--role",
        "auditor",
        "--organisation",
        "Borne",
        "--password",
        "welkom123456",
    )
    assert weak.exit_code == 1 and "te makkelijk te raden" in weak.output
    unknown = _invoke(app, "create-api-token", "--user", "niemand@x.example")
    assert unknown.exit_code == 1 and "geen account" in unknown.output
    app.extensions["besluitwerk.engine"].dispose()
