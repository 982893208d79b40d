"""Fixtures: a migrated database per test on SQLite, and on PostgreSQL too when
TEST_DATABASE_URL is set; the app and a logged-in client on top of it."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.accounts import User
from storage.database import make_engine, make_session_factory
from storage.keys import Keys
from storage.migrate import upgrade
from storage.schema import metadata
from tests.support import demo_day, first_tick
from tests.support.api_contract import ContractClient
from tests.support.api_tokens import api_headers
from webapp import clock
from webapp.app import create_app
from webapp.config import Settings
from webapp.database import sessions
from workflows.accounts import second_factor
from workflows.actors import system_actor
from workflows.demo import demo
from workflows.rules import second_factor as second_factor_rules
from workflows.rules.roles import Role

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
DEMO_TODAY = date(2025, 6, 1)
PASSWORD = demo.DEMO_PASSWORD


# The second factor of the demo providers and beheerders in the tests (S19): enrolled with a
# known secret, so that ``login`` can type the code as a person would read it from the app.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# The key kept outside the database (S25, S31), the same for every test: the demo template is
# seeded once and its audit chain must verify in every test's app.
TEST_AUDIT_KEY = "test-audit-key-Pm5Wq1Xr8Tb3Lz6Nc9Hv2Kd7Fj4Gs0Ya"
TEST_KEYS = Keys.derive(TEST_AUDIT_KEY)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions as the app makes them: with the test keys, so that they write audit events."""
    return make_session_factory(engine, keys=TEST_KEYS)


def _seed(engine: Engine) -> None:
    with session_factory(engine)() as session:
        demo.seed_demo(session, system_actor("test"), today=DEMO_TODAY)
        for user in session.scalars(select(User)).all():
            if second_factor_rules.required(Role(user.role)):
                second_factor.store_secret(session, user, TOTP_SECRET)
                user.totp_confirmed_at = datetime(2025, 1, 1, tzinfo=UTC)
        session.commit()


@dataclass
class _SqliteTemplates:
    empty: Path
    demo: Path


@pytest.fixture(scope="session")
def _sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> _SqliteTemplates:
    folder = tmp_path_factory.mktemp("templates")
    paths = _SqliteTemplates(folder / "empty.sqlite3", folder / "demo.sqlite3")
    for path, seeded in ((paths.empty, False), (paths.demo, True)):
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        if seeded:
            _seed(engine)
        engine.dispose()
        # Fold the write-ahead log into the file, so that copying the file copies everything.
        raw = sqlite3.connect(path)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
    return paths


@dataclass
class _PostgresDatabase:
    url: str
    engine: Engine
    demo_rows: dict[str, list[dict[str, Any]]]
    # What the migrations themselves load (the equated days), as the SQLite template has it.
    migrated_rows: dict[str, list[dict[str, Any]]]

    def reset(self, *, with_demo: bool) -> None:
        tables = [t for t in metadata.sorted_tables]
        names = ", ".join(t.name for t in tables)
        snapshot = self.demo_rows if with_demo else self.migrated_rows
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table in tables:
                rows = snapshot[table.name]
                if rows:
                    connection.execute(insert(table), rows)
            for table in tables:
                if "id" in table.c:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )


def _rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in connection.execute(select(table))]
            for table in metadata.sorted_tables
        }


@pytest.fixture(scope="session")
def _postgres() -> Iterator[_PostgresDatabase]:
    schema = f"bw_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    base = make_url(TEST_DATABASE_URL)
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    engine = make_engine(url_text)
    upgrade(engine)
    migrated_rows = _rows(engine)
    _seed(engine)
    demo_rows = _rows(engine)
    # The escalation contact points from organisations to users, which are inserted later:
    # the snapshot is taken after seeding, where the demo sets none, so plain order suffices.
    database = _PostgresDatabase(url_text, engine, demo_rows, migrated_rows)
    yield database
    engine.dispose()
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _database_url(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, *, with_demo: bool
) -> str:
    if backend == "sqlite":
        templates: _SqliteTemplates = request.getfixturevalue("_sqlite_templates")
        target = tmp_path / "besluitwerk.sqlite3"
        shutil.copyfile(templates.demo if with_demo else templates.empty, target)
        return f"sqlite:///{target}"
    database: _PostgresDatabase = request.getfixturevalue("_postgres")
    database.reset(with_demo=with_demo)
    return database.url


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A migrated database with the Twente demo loaded."""
    return _database_url(request, backend, tmp_path, with_demo=True)


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A migrated database without the demo: only what the migrations load (equated days)."""
    return _database_url(request, backend, tmp_path, with_demo=False)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


def make_settings(database_url: str, data_dir: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": "test-secret-" + "x" * 40,
        "data_dir": data_dir,
        "audit_key": TEST_AUDIT_KEY,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(make_settings(database_url, tmp_path / "data"))
    # Document jobs are run by the tests themselves (document_jobs.run_pending), not by a thread.
    app.config["DOCUMENT_JOB_WORKER"] = False
    # Every /api/v1 answer a test receives is checked against the OpenAPI description.
    app.test_client_class = ContractClient
    yield app
    app.extensions["besluitwerk.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token_for(app: Flask) -> Callable[..., dict[str, str]]:
    """``token_for(email, scope="write")``: the headers of an API request with a new token of
    that account."""
    return partial(api_headers, app)


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The web layer's clock at the demo's day (tests/support/demo_day.py)."""
    monkeypatch.setattr(clock, "now", lambda: demo_day.NOW)
    return demo_day.NOW


@pytest.fixture
def ticked(app: Flask) -> dict[str, int]:
    """The scheduler's first tick on the demo (tests/support/first_tick.py), and what it did."""
    return first_tick.tick(app)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Logs in as a person would; for an account with a second factor also types the code."""
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    if response.status_code != 302 or not response.headers["Location"].endswith("/login/code"):
        return response
    return client.post(
        "/login/code",
        data={
            "code": totp_code(client.application, email),
            "csrf_token": csrf_token(client, "/login/code"),
        },
    )


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A client of its own, logged in as ``email``."""
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, f"login of {email} failed"
    return client


def totp_code(app: Flask, email: str) -> str:
    """The code the app would show now, for a time step the account has not used yet (a test
    clock may stand still while the same person logs in twice)."""
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        secret = second_factor.secret_of(session, user) or TOTP_SECRET
        last = user.totp_last_step
    moment = clock.now()
    step = int(moment.timestamp()) // 30
    # A frozen test clock allows three logins in one moment (steps -1, 0, +1 in turn); a clock
    # that moves prefers the current step, so a slow machine crossing a step boundary between
    # here and the server's check still types a code the server accepts.
    order = (step - 1, step, step + 1) if clock.now() == moment else (step, step + 1, step - 1)
    usable = [s for s in order if last is None or s > last]
    assert usable, f"{email} already used every code of this moment; move the test clock"
    return pyotp.TOTP(secret).at(usable[0] * 30)


POLICY = "beleid@enschede.example"
LEGAL = "jurist@enschede.example"
PROJECT = "projectgroep@rijssen-holten.example"
ADMIN = "beheer@rijssen-holten.example"
AUDITOR = "auditor@enschede.example"
PROVIDER_CR = "aanbieder@carintreggeland.example"
PROVIDER_LI = "aanbieder@liberein.example"
