"""Faults to survive (docs/security.md), the short versions on SQLite: a process killed with SIGKILL
in the middle of a write and of a document generation, a full database, a full disk for the
file store, and the answers when the database fails under a request. The long runs (gunicorn
workers, a PostgreSQL restart, schedulers) are in bench/faults.py."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import psycopg.errors
import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from storage.arrangements import Arrangement
from storage.audit import AuditEvent, verify_chain
from storage.database import make_engine, make_session_factory
from storage.documents import Document, DocumentTemplate
from storage.mandates import Mandate
from tests.conftest import (
    LEGAL,
    PROJECT,
    _database_url,
    csrf_token,
    login,
    make_settings,
    session_factory,
)
from tests.support.api_tokens import api_headers
from webapp.app import create_app
from webapp.database import sessions
from webapp.forms import as_form_values
from workflows.actors import system_actor
from workflows.registers import arrangements, mandates

REPOSITORY = Path(__file__).resolve().parents[2]
NO_ROOM = "Er is geen ruimte meer om dit op te slaan"
UNREACHABLE = "Besluitwerk kan zijn gegevens op dit moment niet bereiken"


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The Twente demo on SQLite only: these faults are SQLite's (max_page_count, WAL)."""
    return _database_url(request, "sqlite", tmp_path, with_demo=True)


@pytest.fixture
def sqlite_app(sqlite_url: str, tmp_path: Path):
    app = create_app(make_settings(sqlite_url, tmp_path / "data"))
    app.config["DOCUMENT_JOB_WORKER"] = False
    yield app
    app.extensions["besluitwerk.engine"].dispose()


def _database_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _integrity(url: str) -> tuple[list[str], list[tuple[object, ...]]]:
    with closing(sqlite3.connect(_database_path(url))) as connection:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    return integrity, orphans


def _audit_chain_intact(url: str) -> bool:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        broken = verify_chain(session).broken_id
    engine.dispose()
    return broken is None


def _markers(text: str | None) -> set[str]:
    return {line for line in (text or "").splitlines() if line.startswith("fault-")}


def _kill_midway(script: str, *arguments: str, rounds: int) -> list[str]:
    """Run the loop in a child process, SIGKILL it at a random moment once it is writing,
    ``rounds`` times; what the child reported as committed."""
    chooser = random.Random(29)
    committed: list[str] = []
    for _ in range(rounds):
        child = subprocess.Popen(
            [sys.executable, "-c", script, *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPOSITORY,
        )
        assert child.stdout is not None
        seen = 0
        deadline = time.monotonic() + 30
        while seen < 3 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            if line.startswith("committed"):
                seen += 1
                committed.append(line.split()[1])
        time.sleep(chooser.uniform(0, 0.25))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        assert seen == 3, err[-2000:]
        assert "Traceback" not in err, err[-2000:]
        committed += [line.split()[1] for line in out.splitlines() if line.startswith("committed")]
    return committed


EDIT_LOOP = """
import itertools, os, sys
from sqlalchemy import select
from storage.accounts import User
from storage.arrangements import Arrangement
from storage.database import make_engine
from tests.conftest import session_factory
from workflows.accounts import accounts
from workflows.registers import arrangements

factory = session_factory(make_engine(sys.argv[1]))
for turn in itertools.count():
    mark = f"fault-{sys.argv[2]}-{os.getpid()}-{turn}"
    with factory() as session:
        user = session.scalars(select(User).where(User.email == sys.argv[3])).one()
        actor = accounts.actor_for(user, "test sigkill")
        arrangement = session.scalars(select(Arrangement).order_by(Arrangement.id)).first()
        arrangements.update(
            session, actor, arrangement.id,
            {"description": f"{arrangement.description}\\n{mark}"},
            expected_version=arrangement.version, partial=True,
        )
        session.commit()
    print("committed", mark, flush=True)
"""


def test_sigkill_mid_write_leaves_an_intact_database(sqlite_url):
    committed = _kill_midway(EDIT_LOOP, sqlite_url, "w", PROJECT, rounds=3)
    assert _integrity(sqlite_url) == (["ok"], [])
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        arrangement = session.scalars(select(Arrangement).order_by(Arrangement.id)).first()
        assert arrangement is not None
        stored = _markers(arrangement.description)
        audited = set()
        for audit_event in session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "arrangement",
                AuditEvent.object_id == str(arrangement.id),
                AuditEvent.action == "update",
            )
        ):
            audited |= _markers((audit_event.new_values or {}).get("description"))
        # Everything the child saw committed is there; nothing half: each change with its
        # audit event, each audit event with its change.
        assert set(committed) <= stored
        assert stored == audited
        assert arrangement.version == len(stored) + 1
    engine.dispose()
    assert _audit_chain_intact(sqlite_url)


GENERATE_LOOP = """
import itertools, os, sys
from datetime import UTC, datetime
from pathlib import Path
from sqlalchemy import select
from storage.accounts import User
from storage.database import make_engine
from storage.files import LocalFileStore
from storage.mandates import Mandate
from tests.conftest import session_factory
from workflows.accounts import accounts
from workflows.documents import documents
from workflows.registers import mandates

url, root, email = sys.argv[1:4]
factory = session_factory(make_engine(url))
files = LocalFileStore(Path(root))
for turn in itertools.count():
    mark = f"fault-d-{os.getpid()}-{turn}"
    with factory() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        actor = accounts.actor_for(user, "test sigkill")
        mandate = session.scalars(select(Mandate).order_by(Mandate.id.desc())).first()
        mandates.update(
            session, actor, mandate.id, {"description": f"{mandate.description}\\n{mark}"},
            expected_version=mandate.version, partial=True,
        )
        grantors = sorted(g.grantor_id for g in mandate.grants)
        document = documents.generate(
            session, files, actor, "volmacht", "mandate", mandate.id,
            party_id=grantors[turn % len(grantors)], now=datetime.now(UTC),
        )
        session.commit()
    print("committed", document.id, flush=True)
"""


def _draft_version(url: str) -> int:
    """A new version of the demo volmacht: a draft, whose text may change (a granted one's
    may not); the newest mandate, which the children below edit."""
    engine = make_engine(url)
    with session_factory(engine)() as session:  # it writes audit events: with the keys
        first = session.scalars(select(Mandate).order_by(Mandate.id)).first()
        assert first is not None
        draft = mandates.new_version(session, system_actor("test"), first.id)
        session.commit()
        draft_id = draft.id
    engine.dispose()
    return draft_id


def test_sigkill_mid_document_generation_leaves_no_row_without_its_file(sqlite_url, tmp_path):
    _draft_version(sqlite_url)
    root = tmp_path / "files"
    committed = _kill_midway(GENERATE_LOOP, sqlite_url, str(root), LEGAL, rounds=3)
    assert _integrity(sqlite_url) == (["ok"], [])
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(Document)).all()
        assert {str(d.id) for d in rows} >= set(committed) and rows
        for document in rows:
            path = root / document.file_key
            assert path.is_file(), f"document #{document.id} points to a missing file"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == document.output_sha256
            assert not document.file_key.endswith(".tmp")
        generated = {
            int(e.object_id or 0)
            for e in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "generate", AuditEvent.object_type == "document"
                )
            )
        }
        assert generated == {d.id for d in rows}  # each document with its audit event
        templates = session.scalars(select(DocumentTemplate)).all()
        referenced = {d.file_key for d in rows} | {t.file_key for t in templates}
    engine.dispose()
    stray = [p for p in root.rglob("*") if p.is_file() and p.suffix == ".tmp"]
    unreferenced = [
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix != ".tmp" and p.relative_to(root).as_posix() not in referenced
    ]
    # A kill between storing the file and the commit may leave a file no row points to; a
    # kill while writing it, a .tmp file. Neither is ever referenced (checked above).
    assert len(stray) + len(unreferenced) <= 3
    assert _audit_chain_intact(sqlite_url)


def _edit_arrangement(client, app: Flask, arrangement_id: int, description: str):
    """Save the edit form as a browser would: the stored values, one field changed."""
    with sessions(app)() as session:
        arrangement = session.get(Arrangement, arrangement_id)
        assert arrangement is not None
        values = as_form_values(arrangements.snapshot(arrangement))
        version = arrangement.version
    path = f"/regelingen/{arrangement_id}/bewerken"
    form = {**values, "description": description, "version": version}
    return client.post(path, data={**form, "csrf_token": csrf_token(client, path)})


def _state(app: Flask, arrangement_id: int) -> tuple[int, str, int, int]:
    with sessions(app)() as session:
        arrangement = session.get(Arrangement, arrangement_id)
        assert arrangement is not None
        events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        documents = session.scalar(select(func.count()).select_from(Document)) or 0
        return arrangement.version, arrangement.description, int(events), int(documents)


def test_database_full_rolls_back_and_keeps_earlier_versions(sqlite_app, sqlite_url):
    client = sqlite_app.test_client()
    login(client, PROJECT)
    with sessions(sqlite_app)() as session:
        arrangement_id = session.scalars(select(Arrangement.id).order_by(Arrangement.id)).first()
        assert arrangement_id is not None
    assert (
        _edit_arrangement(client, sqlite_app, arrangement_id, "fault-eerste versie").status_code
        == 302
    )
    before = _state(sqlite_app, arrangement_id)

    engine = sqlite_app.extensions["besluitwerk.engine"]
    with closing(sqlite3.connect(_database_path(sqlite_url))) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
    cap = {"pages": pages}

    @event.listens_for(engine, "connect")
    def _full(dbapi_connection, _record):
        if cap["pages"]:
            dbapi_connection.execute(f"PRAGMA max_page_count={cap['pages']}")

    engine.dispose()  # every new connection sees the full database
    big = "fault-te groot\n" + "".join(random.Random(1).choice("abcdef ") for _ in range(19_000))
    response = _edit_arrangement(client, sqlite_app, arrangement_id, big)
    assert response.status_code == 507
    assert NO_ROOM in response.get_data(as_text=True)
    # Rolled back: the earlier version and its audit trail as they were.
    assert _state(sqlite_app, arrangement_id) == before
    assert _integrity(sqlite_url) == (["ok"], [])

    cap["pages"] = 0
    engine.dispose()
    assert (
        _edit_arrangement(client, sqlite_app, arrangement_id, "fault-na het vrijmaken").status_code
        == 302
    )
    version, description, _, _ = _state(sqlite_app, arrangement_id)
    assert version == before[0] + 1 and description == "fault-na het vrijmaken"
    assert _audit_chain_intact(sqlite_url)


DISK_FULL_CHILD = """
import json, resource, signal, sys
from pathlib import Path
from storage.files import LocalFileStore
from storage.mandates import Mandate
from tests.conftest import csrf_token, login, make_settings
from webapp.app import create_app
from webapp.database import sessions
from webapp.forms import as_form_values
from workflows.registers import mandates

url, data_dir, mandate_id, party, email = sys.argv[1:6]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG


class FullVolume(LocalFileStore):
    full = False

    def put(self, content):
        if not self.full:
            return super().put(content)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # the documents volume is full
        try:
            return super().put(content)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


app = create_app(make_settings(url, Path(data_dir)))
app.config["DOCUMENT_JOB_WORKER"] = False
store = app.extensions["besluitwerk.files"] = FullVolume(Path(data_dir) / "files")
client = app.test_client()
login(client, email)
page = f"/documenten/mandate/{mandate_id}"
form = {"kind": "volmacht", "subject_type": "mandate", "subject_id": mandate_id, "party_id": party}


def generate():
    token = csrf_token(client, page)
    response = client.post("/documenten/maken", data={**form, "csrf_token": token})
    return response.status_code, "geen ruimte meer" in response.get_data(as_text=True)


result = {"first": generate()}
with sessions(app)() as session:
    mandate = session.get(Mandate, int(mandate_id))
    values, version = as_form_values(mandates.snapshot(mandate)), mandate.version
edit = f"/volmachten/{mandate_id}/bewerken"
values.update(description="fault-schijf vol", version=version)
values["csrf_token"] = csrf_token(client, edit)
result["edit"] = client.post(edit, data=values).status_code
store.full = True
result["full"] = generate()
store.full = False
print(json.dumps(result))
"""


def test_disk_full_while_storing_a_document_stores_no_row(sqlite_url, tmp_path):
    draft_id = _draft_version(sqlite_url)
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        mandate = session.get(Mandate, draft_id)
        assert mandate is not None
        mandate_id, party = mandate.id, mandate.grants[0].grantor_id
    data_dir = tmp_path / "data"
    arguments = [str(mandate_id), str(party), LEGAL]
    child = subprocess.run(
        [sys.executable, "-c", DISK_FULL_CHILD, sqlite_url, str(data_dir), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPOSITORY,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["first"] == [302, False] and result["edit"] == 302, result
    assert result["full"] == [507, True]  # "Opslag vol" in Dutch, not a crash
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(Document)).all()
        description = session.get(Mandate, mandate_id).description  # type: ignore[union-attr]
    engine.dispose()
    assert description == "fault-schijf vol"  # the edit before it was saved
    assert [(d.party_id, d.version) for d in rows] == [(party, 1)]  # no row for the failure
    path = data_dir / "files" / rows[0].file_key
    assert hashlib.sha256(path.read_bytes()).hexdigest() == rows[0].output_sha256
    assert not list((data_dir / "files").rglob("*.tmp"))  # no partial file left behind
    assert _integrity(sqlite_url) == (["ok"], [])
    assert _audit_chain_intact(sqlite_url)


def test_s28_a_change_found_only_at_the_update_answers_409_not_500(sqlite_app, monkeypatch):
    """PostgreSQL lets two saves of the same version both pass the version check; the later
    UPDATE then matches no row (the race itself: tests/workflows/registers/test_registers.py).
    Here the page's answer to it: the 409 of S28, in Dutch, not a 500."""
    client = sqlite_app.test_client()
    login(client, PROJECT)

    def stale(*_args, **_kwargs):
        raise StaleDataError("UPDATE statement on table 'arrangements' expected to update 1 row")

    monkeypatch.setattr(arrangements, "update", stale)
    with sessions(sqlite_app)() as session:
        arrangement_id = session.scalars(select(Arrangement.id)).first()
    response = _edit_arrangement(client, sqlite_app, arrangement_id, "fault-gelijktijdig")
    assert response.status_code == 409
    assert "op hetzelfde moment gewijzigd" in response.get_data(as_text=True)


def test_the_error_page_stays_dutch_when_the_database_is_unreachable(sqlite_app, tmp_path):
    client = sqlite_app.test_client()
    login(client, PROJECT)
    assert client.get("/").status_code == 200
    unreachable = make_engine(f"sqlite:///{tmp_path / 'weg' / 'niet-daar.sqlite3'}")
    sqlite_app.extensions["besluitwerk.sessions"] = make_session_factory(unreachable)
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert UNREACHABLE in page and "Internal Server Error" not in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    unreachable.dispose()


def test_the_api_answers_503_in_json_when_the_database_is_unreachable(sqlite_app, tmp_path):
    headers = api_headers(sqlite_app, LEGAL)
    client = sqlite_app.test_client()
    assert client.get("/api/v1/arrangements", headers=headers).status_code == 200
    unreachable = make_engine(f"sqlite:///{tmp_path / 'weg' / 'niet-daar.sqlite3'}")
    sqlite_app.extensions["besluitwerk.sessions"] = make_session_factory(unreachable)
    response = client.get("/api/v1/arrangements", headers=headers)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    error = response.get_json()["error"]
    assert error["code"] == "unavailable" and UNREACHABLE in error["message"]
    unreachable.dispose()


def test_s26_a_database_error_is_logged_without_the_values_of_the_row(
    sqlite_app, monkeypatch, caplog
):
    secret = "Geheim dossier Hengelo"

    def refused(*_args, **_kwargs):
        raise IntegrityError(
            "UPDATE arrangements ...",
            {},
            psycopg.errors.UniqueViolation(f"duplicate key\nDETAIL:  Key (name)=({secret})"),
        )

    client = sqlite_app.test_client()
    login(client, PROJECT)
    monkeypatch.setattr(arrangements, "update", refused)
    with sessions(sqlite_app)() as session:
        arrangement_id = session.scalars(select(Arrangement.id)).first()
    with caplog.at_level(logging.ERROR, logger="besluitwerk"):
        response = _edit_arrangement(client, sqlite_app, arrangement_id, "fault-dubbel")
    assert response.status_code == 500
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "UniqueViolation sqlstate=23505" in logged
    assert secret not in logged and secret not in response.get_data(as_text=True)
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("besluitwerk"))
