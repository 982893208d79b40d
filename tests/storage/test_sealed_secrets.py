"""docs/security.md S31: the TOTP secrets of the second factor are sealed with a key kept outside
the database; secrets stored in clear before are sealed by the migration, which `db upgrade`
hands the key."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from storage import sealing
from storage.accounts import User
from storage.database import make_engine
from storage.migrate import upgrade
from tests.conftest import ADMIN, POLICY, TEST_DATABASE_URL, TEST_KEYS, make_settings
from webapp.app import create_app
from webapp.cli import cli
from webapp.database import sessions
from workflows.accounts import second_factor

SECRET = "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _enrol(app, email: str, secret: str) -> None:
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        second_factor.enrol(
            session, user, secret, pyotp.TOTP(secret).at(NOW), origin="test", now=NOW
        )
        session.commit()


def test_s31_a_totp_secret_is_stored_sealed_never_in_clear(app, database_url):
    _enrol(app, POLICY, SECRET)
    engine = app.extensions["besluitwerk.engine"]
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT * FROM users WHERE email = :email"), {"email": POLICY}
        ).one()
    values = [str(value) for value in row._mapping.values()]
    assert not any(SECRET in value or SECRET.lower() in value for value in values)
    sealed = row._mapping["totp_secret_sealed"]
    assert sealing.is_sealed(sealed)
    if database_url.startswith("sqlite"):
        path = Path(make_url(database_url).database or "")
        for part in (path, path.with_name(path.name + "-wal")):
            if part.exists():
                assert SECRET.encode() not in part.read_bytes()
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == POLICY)).one()
        assert second_factor.secret_of(session, user) == SECRET
        assert second_factor.verify(
            session, user, pyotp.TOTP(SECRET).at(NOW, counter_offset=1), origin="t", now=NOW
        )


def test_s31_a_sealed_secret_copied_into_another_account_does_not_open(app):
    _enrol(app, POLICY, SECRET)
    with sessions(app)() as session:
        policy = session.scalars(select(User).where(User.email == POLICY)).one()
        admin = session.scalars(select(User).where(User.email == ADMIN)).one()
        admin.totp_secret_sealed = policy.totp_secret_sealed
        session.commit()
        assert second_factor.secret_of(session, admin) is None
        code = pyotp.TOTP(SECRET).at(NOW, counter_offset=1)
        assert not second_factor.verify(session, admin, code, origin="t", now=NOW)


@contextmanager
def _fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'voor-0014.sqlite3'}"
        return
    schema = f"bw_seal_{uuid.uuid4().hex[:8]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def test_s31_db_upgrade_seals_the_secrets_kept_in_clear(backend, tmp_path):
    with _fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine, "0011")
        moment = datetime(2025, 1, 1, tzinfo=UTC)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (kind, name, description, recess_weeks, "
                    "no_meetings_christmas_to_new_year, created_at, updated_at, version) "
                    "VALUES ('provider', 'Zorg & Co', '', '[]', false, :at, :at, 1)"
                ),
                {"at": moment},
            )
            connection.execute(
                text(
                    "INSERT INTO users (email, name, role, organisation_id, password_hash, "
                    "active, created_at, password_changed_at, version, totp_secret, "
                    "totp_confirmed_at) VALUES ('a@zorg.example', 'A', 'provider', "
                    "(SELECT id FROM organisations), 'x', true, :at, :at, 1, :secret, :at)"
                ),
                {"at": moment, "secret": SECRET},
            )
        # Without the key the migration refuses, rather than keep or drop the secrets.
        with pytest.raises(RuntimeError, match="onversleuteld"):
            upgrade(engine)
        assert "totp_secret" in {c["name"] for c in inspect(engine).get_columns("users")}
        engine.dispose()
        app = create_app(make_settings(url, tmp_path / "data"))
        result = app.test_cli_runner().invoke(cli, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        engine = app.extensions["besluitwerk.engine"]
        columns = {c["name"] for c in inspect(engine).get_columns("users")}
        assert "totp_secret" not in columns and "totp_secret_sealed" in columns
        with sessions(app)() as session:
            user = session.scalars(select(User)).one()
            assert sealing.is_sealed(user.totp_secret_sealed or "")
            assert SECRET not in (user.totp_secret_sealed or "")
            assert second_factor.secret_of(session, user) == SECRET
            assert app.extensions["besluitwerk.keys"] == TEST_KEYS
        engine.dispose()


def test_s31_the_seal_notices_every_change():
    sealed = sealing.seal(TEST_KEYS.secrets, SECRET, associated="users.totp_secret:7")
    assert sealing.open_sealed(TEST_KEYS.secrets, sealed, associated="users.totp_secret:7") == (
        SECRET
    )
    assert sealed != sealing.seal(TEST_KEYS.secrets, SECRET, associated="users.totp_secret:7")
    body = sealed[len(sealing.PREFIX) :]
    flipped = sealing.PREFIX + body[:30] + ("A" if body[30] != "A" else "B") + body[31:]
    for key, value, label in (
        (TEST_KEYS.audit, sealed, "users.totp_secret:7"),  # another key
        (TEST_KEYS.secrets, sealed, "users.totp_secret:8"),  # another row
        (TEST_KEYS.secrets, flipped, "users.totp_secret:7"),  # a changed character
        (TEST_KEYS.secrets, "s1.kort", "users.totp_secret:7"),
        (TEST_KEYS.secrets, SECRET, "users.totp_secret:7"),  # clear text
    ):
        with pytest.raises(sealing.SealBroken):
            sealing.open_sealed(key, value, associated=label)
