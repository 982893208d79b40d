"""Requests that only read take no write lock on SQLite (issue 15): while another connection
holds the lock (a tick, an import, a long edit), pages and API reads still answer, and the
writes a reading request does make (a refusal's audit event, the login session's touch) wait
for the lock in a write transaction of their own instead of failing."""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import storage.database
from storage.audit import AuditEvent
from tests.conftest import POLICY, PROVIDER_CR, login, make_settings
from tests.support.api_tokens import api_headers
from webapp import clock
from webapp.app import create_app
from webapp.database import sessions

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def quick_app(database_url, tmp_path, monkeypatch):
    """The app with a short busy timeout, so that a request that waits for the lock fails in
    half a second ("database is locked") rather than after thirty."""
    monkeypatch.setattr(storage.database, "SQLITE_BUSY_TIMEOUT_MS", 500)
    app = create_app(make_settings(database_url, tmp_path / "data"))
    app.config["DOCUMENT_JOB_WORKER"] = False
    yield app
    app.extensions["besluitwerk.engine"].dispose()


class _WriteLock:
    """Another process's open write transaction on the same database file."""

    def __init__(self, app):
        self._path = app.extensions["besluitwerk.engine"].url.database
        self._connection: sqlite3.Connection | None = None

    def __enter__(self):
        self._connection = sqlite3.connect(self._path, timeout=0, isolation_level=None)
        self._connection.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *_exc):
        assert self._connection is not None
        self._connection.execute("ROLLBACK")
        self._connection.close()


def test_s30_pages_and_api_reads_answer_while_another_holds_the_write_lock(quick_app, caplog):
    client = quick_app.test_client()
    login(client, POLICY)
    headers = api_headers(quick_app, POLICY, scope="read")
    client.get("/api/v1/arrangements", headers=headers)  # the token's first use is written
    caplog.set_level(logging.WARNING, logger="besluitwerk.database")
    with _WriteLock(quick_app):
        pages = {path: client.get(path).status_code for path in ("/", "/regelingen/", "/signalen")}
        api = {
            path: client.get(path, headers=headers).status_code
            for path in ("/api/v1/arrangements", "/api/v1/signals", "/api/v1/organisations")
        }
    assert pages == {"/": 200, "/regelingen/": 200, "/signalen": 200}
    assert api == {
        "/api/v1/arrangements": 200,
        "/api/v1/signals": 200,
        "/api/v1/organisations": 200,
    }
    # None of them wrote in a read transaction (which would fail under load).
    assert [r.getMessage() for r in caplog.records] == []


def test_s30_a_refusal_read_while_another_writes_is_audited_once_the_lock_is_free(quick_app):
    client = quick_app.test_client()
    login(client, PROVIDER_CR)

    def audited() -> int:
        with sessions(quick_app)() as session:
            return session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.result == "denied")
            )

    before = audited()
    answer: dict[str, int] = {}
    lock = _WriteLock(quick_app).__enter__()
    worker = threading.Thread(
        target=lambda: answer.update(status=client.get("/gebruikers/").status_code)
    )
    worker.start()
    worker.join(0.2)  # the refusal waits for the lock (its busy timeout is half a second)
    lock.__exit__(None, None, None)
    worker.join()
    assert answer["status"] == 403
    assert audited() == before + 1


def test_s30_the_login_session_touch_of_a_reading_request_is_written(quick_app, monkeypatch):
    client = quick_app.test_client()
    login(client, POLICY)
    later = clock.now() + timedelta(minutes=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.get("/regelingen/").status_code == 200
    with sessions(quick_app)() as session:
        from storage.accounts import LoginSession

        seen = session.scalar(select(func.max(LoginSession.last_seen_at)))
    assert seen == later
