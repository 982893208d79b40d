"""Fault runs (docs/security.md, "Faults to survive"): each bounded in time, each printing one line
`FAULT <name> ok <figures>` or `FAULT <name> FAILED <detail>`.

- sigkill_worker_mid_write: gunicorn (4 workers, SQLite) under writes through the pages (edits,
  workflow steps, volmachten; the browser client of bench/web.py); a random worker is killed
  with SIGKILL at random moments. Afterwards: integrity check, no orphan rows, whole
  transactions only (every marker in a text has its audit event and the other way round, every
  workflow step and every document its audit event), every acknowledged write present, every
  stored file present with its sha256, the audit chain intact, no "database is locked".
- sigkill_mid_document_generation: a child process edits the mandate and generates a volmacht
  in a loop (one transaction each) and is killed with SIGKILL at random moments: every
  document row's file exists with its sha256; a stray ``.tmp`` or an unreferenced file (killed
  between storing the file and the commit) is reported, never referenced.
- database_full: SQLite with ``PRAGMA max_page_count`` just above its size; the app (its pages,
  in process) saves edits until the database is full: 507 with "Opslag vol" in Dutch, the
  transaction rolled back, earlier versions intact; once there is room again the next save
  succeeds.
- disk_full_file_store: a child process runs the app with ``RLIMIT_FSIZE`` set to 4 KB while the
  file store writes (the documents volume is full; the database lives elsewhere): generating a
  volmacht gives 507 with "Opslag vol" in Dutch and no document row, earlier versions intact.
- postgresql_restart: a private PostgreSQL cluster (initdb in a temporary directory, its own
  port; never the machine's server), gunicorn on it under reads and writes, ``pg_ctl restart -m
  fast`` in the middle: requests fail cleanly (503 "Tijdelijk niet beschikbaar", or the 500
  page, in Dutch) and then succeed again.
- schedulers_<db>: two ``besluitwerk tick`` processes at once, then one killed with SIGKILL in
  the middle of sending and a later tick, under a write load, on SQLite and on the private
  cluster: every reminder mailed, none twice beyond the documented crash window (one per kill).

Run from the repository root without arguments (about three minutes; as root the private
cluster runs as the ``postgres`` user):

    .venv/bin/python bench/faults.py
"""

from __future__ import annotations

import asyncio
import email
import hashlib
import http.client
import json
import logging
import os
import pwd
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from web import (
    AUDIT_KEY,
    KEYS,
    PROJECT_GROUP,
    Client,
    Ledger,
    Writer,
    form_fields,
    free_port,
    marker,
    prepare,
    serve,
    writers,
)

from storage.accounts import User
from storage.arrangements import Arrangement
from storage.audit import AuditEvent, verify_chain
from storage.database import make_engine, make_session_factory
from storage.deadlines import Message
from storage.decisions import Decision, Transition
from storage.documents import Bundle, Document, DocumentTemplate, SignedCopy
from storage.mandates import Mandate
from webapp.app import create_app
from webapp.config import Settings
from workflows.accounts import accounts
from workflows.registers import arrangements

REPOSITORY = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SECRET = "bench-faults-Vt3Qw8Lp1Zx6Rm9Kc4Hn7Bj2Ys5Fd0Ga"  # noqa: S105 (a bench-only key)
DUTCH_ERROR = "Er ging iets mis"
NO_ROOM = "Er is geen ruimte meer om dit op te slaan"
UNREACHABLE = "Besluitwerk kan zijn gegevens op dit moment niet bereiken"
ORIGIN = "bench faults"

results: list[tuple[str, bool]] = []


def report(name: str, ok: bool, detail: str) -> None:
    results.append((name, ok))
    print(f"FAULT {name} {'ok' if ok else 'FAILED'} {detail}", flush=True)


def note(text: str) -> None:
    print(f"#   {text}", flush=True)


def run_fault(name: str, fault: Callable[[], tuple[bool, str]]) -> None:
    started = time.monotonic()
    try:
        ok, detail = fault()
    except Exception as error:  # a crashed fault run is a failed fault, with its reason
        traceback.print_exc()
        ok, detail = False, f"{type(error).__name__}: {error}"
    report(name, ok, f"{detail} ({time.monotonic() - started:.0f} s)")


# Checks shared by the fault runs ---------------------------------------------------------------


def sqlite_checks(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        foreign = connection.execute("PRAGMA foreign_key_check").fetchall()
    problems = [] if integrity == ["ok"] else [f"integrity_check: {integrity[:3]}"]
    if foreign:
        problems.append(f"foreign_key_check: {len(foreign)} rijen zonder ouder, {foreign[:3]}")
    return problems


@dataclass
class FileCheck:
    files: int = 0
    bad: list[str] = field(default_factory=list)
    temporary: int = 0
    temporary_referenced: int = 0
    unreferenced: int = 0

    def problems(self) -> list[str]:
        found = self.bad[:5]
        if self.temporary_referenced:
            found.append(f"{self.temporary_referenced} rijen wijzen naar een .tmp-bestand")
        return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_store_check(session: Session, root: Path) -> FileCheck:
    """Every file a row points to exists with the row's sha256; what else lies in the store."""
    expected: dict[str, tuple[str, str]] = {}
    for document in session.scalars(select(Document)):
        expected[document.file_key] = (document.output_sha256, f"document #{document.id}")
        if document.pdf_key and document.pdf_sha256:
            expected[document.pdf_key] = (document.pdf_sha256, f"pdf van document #{document.id}")
    for template in session.scalars(select(DocumentTemplate)):
        expected[template.file_key] = (template.sha256, f"sjabloon #{template.id}")
    for bundle in session.scalars(select(Bundle)):
        expected[bundle.file_key] = (bundle.sha256, f"bundel #{bundle.id}")
    for copy in session.scalars(select(SignedCopy)):
        expected[copy.file_key] = (copy.sha256, f"getekend exemplaar #{copy.id}")
        if copy.clean_file_key and copy.clean_sha256:
            expected[copy.clean_file_key] = (copy.clean_sha256, f"schone kopie #{copy.id}")
    check = FileCheck()
    for key, (sha256, owner) in expected.items():
        check.files += 1
        path = root / key
        if key.endswith(".tmp"):
            check.temporary_referenced += 1
        if not path.is_file():
            check.bad.append(f"{owner}: bestand {key} ontbreekt")
        elif _sha256(path) != sha256:
            check.bad.append(f"{owner}: sha256 van {key} klopt niet")
    if root.exists():
        for path in root.rglob("*"):
            if not path.is_file():
                continue
            if path.suffix == ".tmp":
                check.temporary += 1
            elif path.relative_to(root).as_posix() not in expected:
                check.unreferenced += 1
    return check


def audit_problem(session: Session) -> str | None:
    chain = verify_chain(session)
    if chain.broken_id is not None:
        return f"auditketen gebroken bij gebeurtenis #{chain.broken_id}"
    return None


def audit_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def whole_transactions(session: Session, first_decision: int) -> list[str]:
    """What one transaction writes is there entirely or not at all: the marker lines in the
    edited texts against the audit events that recorded them, workflow steps and documents
    against their audit events."""
    problems: list[str] = []
    texts = {
        ("arrangement", "description"): {
            a.id: a.description for a in session.scalars(select(Arrangement))
        },
        ("mandate", "description"): {m.id: m.description for m in session.scalars(select(Mandate))},
    }
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).all()
    for (object_type, column), rows in texts.items():
        for row_id, text in rows.items():
            in_text = {line for line in (text or "").splitlines() if line.startswith("bench-")}
            audited: set[str] = set()
            for audit_event in events:
                if audit_event.object_type == object_type and audit_event.object_id == str(row_id):
                    value = (audit_event.new_values or {}).get(column) or ""
                    audited.update(
                        line for line in str(value).splitlines() if line.startswith("bench-")
                    )
            if in_text != audited:
                problems.append(
                    f"{object_type} #{row_id}: {len(in_text - audited)} markeringen zonder "
                    f"auditregel, {len(audited - in_text)} auditregels zonder markering"
                )
    steps = Counter(
        t.decision_id
        for t in session.scalars(select(Transition).where(Transition.decision_id >= first_decision))
    )
    audited_steps = Counter(
        int(e.object_id or 0)
        for e in session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "transition", AuditEvent.object_type == "decision"
            )
        )
        if int(e.object_id or 0) >= first_decision
    )
    if steps != audited_steps:
        problems.append(f"overgangen {dict(steps)} tegen auditregels {dict(audited_steps)}")
    documents = set(session.scalars(select(Document.id)))
    generated = {
        int(e.object_id)
        for e in session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "generate",
                AuditEvent.object_type == "document",
                AuditEvent.result == "success",
            )
        )
        if e.object_id
    }
    if documents != generated:
        problems.append(
            f"documenten zonder auditregel {sorted(documents - generated)[:5]}, auditregels "
            f"zonder document {sorted(generated - documents)[:5]}"
        )
    return problems


def acknowledged_missing(session: Session, ledger: Ledger) -> list[str]:
    missing = []
    columns = {"arrangements": Arrangement, "mandates": Mandate}
    texts: dict[tuple[str, int], set[str]] = {}
    for table, row, column, mark in ledger.edits:
        if table not in columns:
            continue  # the decision sections: checked by bench/web.py
        if (table, row) not in texts:
            stored = session.get(columns[table], row)
            texts[(table, row)] = set(str(getattr(stored, column, "") or "").splitlines())
        if mark not in texts[(table, row)]:
            missing.append(f"{table} #{row}: {mark}")
    notes = {
        (t.decision_id, t.to_status, t.note)
        for t in session.scalars(select(Transition).where(Transition.note.like("bench-%")))
    }
    missing += [f"overgang {step}" for step in ledger.transitions if step not in notes]
    made = {(d.title, d.version) for d in session.scalars(select(Document))}
    missing += [f"document {d}" for d in ledger.documents if d not in made]
    return missing


def log_lines(path: Path, needle: str) -> int:
    if not path.exists():
        return 0
    return path.read_text("utf-8", "replace").lower().count(needle)


def stop(process: Any) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def keep_writing(writer: Writer, stop_at: float, interrupted: list[int]) -> None:
    while time.monotonic() < stop_at:
        try:
            writer.step()
        except (OSError, http.client.HTTPException):  # a killed worker drops the connection
            interrupted.append(1)
            time.sleep(0.05)
        except Exception as error:  # e.g. a page without the form it should have
            with writer.ledger.lock:
                writer.ledger.unexpected.append(f"{type(error).__name__}: {error}")


# Fault 1: SIGKILL of a gunicorn worker in the middle of writes -----------------------------------


def sigkill_worker_mid_write() -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        database = data_dir / "faults.sqlite3"
        url = f"sqlite:///{database}"
        subjects = prepare(url)
        first_decision = _next_decision_id(url)
        ledger = Ledger()
        log_path = data_dir / "server.log"
        interrupted: list[int] = []
        kills = 0
        with log_path.open("w") as log:
            server, port = serve(url, data_dir, log, workers=4, timeout=60)
            try:
                team = writers(port, subjects, ledger, count=4)
                chooser = random.Random(8)
                stop_at = time.monotonic() + 24
                threads = [
                    threading.Thread(target=keep_writing, args=(w, stop_at, interrupted))
                    for w in team
                ]
                for thread in threads:
                    thread.start()
                time.sleep(2)
                while time.monotonic() < stop_at - 4:
                    workers = children(server.pid)
                    if workers:
                        os.kill(chooser.choice(workers), signal.SIGKILL)
                        kills += 1
                    time.sleep(chooser.uniform(1.5, 3.5))
                for thread in threads:
                    thread.join()
            finally:
                stop(server)
        problems = sqlite_checks(database)
        engine = make_engine(url)
        with make_session_factory(engine, keys=KEYS)() as session:
            problems += whole_transactions(session, first_decision)
            missing = acknowledged_missing(session, ledger)
            files = file_store_check(session, data_dir / "files")
            chain = audit_problem(session)
        engine.dispose()
        problems += [f"bevestigd maar ontbreekt: {m}" for m in missing[:5]]
        problems += files.problems()
        if chain:
            problems.append(chain)
        locked = log_lines(log_path, "database is locked")
        if locked:
            problems.append(f'{locked}x "database is locked" in het serverlog')
        if ledger.fivexx:
            problems.append(f"{ledger.fivexx} antwoorden 5xx: {sorted(set(ledger.unexpected))[:3]}")
        figures = (
            f"kills={kills} interrupted_requests={len(interrupted)} "
            f"acknowledged={ledger.acknowledged} present={ledger.acknowledged - len(missing)} "
            f"conflicts_409={ledger.conflicts} integrity=ok files={files.files} "
            f"tmp={files.temporary} unreferenced_files={files.unreferenced} locked={locked}"
        )
        return (not problems, figures if not problems else "; ".join(problems) + " | " + figures)


def _next_decision_id(url: str) -> int:
    engine = make_engine(url)
    with make_session_factory(engine, keys=KEYS)() as session:
        highest = session.scalar(select(func.max(Decision.id))) or 0
    engine.dispose()
    return int(highest) + 1


# Fault 2: SIGKILL in the middle of generating documents ------------------------------------------

GENERATE_LOOP = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from sqlalchemy import select
from storage.accounts import User
from storage.database import make_engine, make_session_factory
from storage.files import LocalFileStore
from workflows.accounts import accounts
from workflows.documents import documents
from workflows.registers import mandates
sys.path.insert(0, "bench")
from web import KEYS

url, root, mandate_id, *parties = sys.argv[1:]
factory = make_session_factory(make_engine(url), keys=KEYS)
files = LocalFileStore(Path(root))
print("ready", flush=True)
turn = int(datetime.now().timestamp() * 1000)
while True:
    turn += 1
    mark = f"bench-{turn:x}"
    with factory() as session:
        user = session.scalars(select(User).where(User.email == "jurist@enschede.example")).one()
        actor = accounts.actor_for(user, "bench faults child")
        mandate = mandates.get_visible(session, actor, int(mandate_id))
        mandates.update(
            session, actor, mandate.id, {"description": f"{mandate.description}\\n{mark}"},
            expected_version=mandate.version, partial=True,
        )
        document = documents.generate(
            session, files, actor, "volmacht", "mandate", mandate.id,
            party_id=int(parties[turn % len(parties)]), now=datetime.now(UTC),
        )
        session.commit()
    print("committed", mark, document.id, flush=True)
"""


def sigkill_mid_document_generation() -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        database = data_dir / "faults.sqlite3"
        url = f"sqlite:///{database}"
        subjects = prepare(url)
        chooser = random.Random(13)
        committed: list[str] = []
        problems: list[str] = []
        rounds = 12
        tmp_seen = unreferenced_seen = 0
        for _ in range(rounds):
            child = subprocess.Popen(
                [sys.executable, "-c", GENERATE_LOOP, url, str(data_dir / "files")]
                + [str(subjects.mandate_id)]
                + [str(g) for g in subjects.grantor_ids],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPOSITORY,
            )
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"kind startte niet: {child.communicate()[1][-500:]}")
            time.sleep(chooser.uniform(0.3, 2.0))
            child.send_signal(signal.SIGKILL)
            out, err = child.communicate(timeout=30)
            committed += [
                line.split()[1] for line in out.splitlines() if line.startswith("committed")
            ]
            if "Traceback" in err:
                problems.append(f"kind faalde voor de kill: {err.strip().splitlines()[-1]}")
            engine = make_engine(url)
            with make_session_factory(engine, keys=KEYS)() as session:
                files = file_store_check(session, data_dir / "files")
            engine.dispose()
            tmp_seen = max(tmp_seen, files.temporary)
            unreferenced_seen = max(unreferenced_seen, files.unreferenced)
        problems += sqlite_checks(database)
        engine = make_engine(url)
        with make_session_factory(engine, keys=KEYS)() as session:
            problems += whole_transactions(session, 10**9)
            files = file_store_check(session, data_dir / "files")
            documents = int(session.scalar(select(func.count()).select_from(Document)) or 0)
            mandate = session.get(Mandate, subjects.mandate_id)
            text = set((mandate.description if mandate else "").splitlines())
            chain = audit_problem(session)
        engine.dispose()
        lost = [mark for mark in committed if mark not in text]
        if lost:
            problems.append(f"{len(lost)} vastgelegde wijzigingen ontbreken: {lost[:3]}")
        problems += files.problems()
        if chain:
            problems.append(chain)
        figures = (
            f"kills={rounds} committed_transactions={len(committed)} documents={documents} "
            f"files_checked={files.files} integrity=ok stray_tmp={files.temporary} "
            f"unreferenced_files={files.unreferenced} (left by a kill between storing the "
            f"file and the commit; no row points to them)"
        )
        return (not problems, figures if not problems else "; ".join(problems) + " | " + figures)


# Fault 3: database full (SQLite max_page_count) --------------------------------------------------


def _log_in(client: Any, email_address: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = _csrf(page)
    response = client.post(
        "/login",
        data={"email": email_address, "password": "Logeren-in-Twente-2025", "csrf_token": token},
    )
    if response.status_code != 302:
        raise RuntimeError(f"inloggen mislukt: {response.status_code}")


def _csrf(page: str) -> str:
    start = page.index('name="csrf_token" value="') + len('name="csrf_token" value="')
    return page[start : page.index('"', start)]


def _save_arrangement(client: Any, arrangement_id: int, description: str) -> tuple[int, str]:
    path = f"/regelingen/{arrangement_id}/bewerken"
    page = client.get(path).get_data(as_text=True)
    values = [
        (name, description if name == "description" else value) for name, value in form_fields(page)
    ]
    response = client.post(
        path,
        data=urllib.parse.urlencode(values),
        content_type="application/x-www-form-urlencoded",
    )
    return response.status_code, response.get_data(as_text=True)


def database_full() -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        database = data_dir / "full.sqlite3"
        url = f"sqlite:///{database}"
        subjects = prepare(url)
        app = create_app(
            Settings(database_url=url, secret_key=SECRET, data_dir=data_dir, audit_key=AUDIT_KEY)
        )
        app.config["DOCUMENT_JOB_WORKER"] = False
        engine = app.extensions["besluitwerk.engine"]
        cap: dict[str, int] = {}

        @event.listens_for(engine, "connect")
        def _cap(dbapi_connection: Any, _record: Any) -> None:
            if "pages" in cap:
                dbapi_connection.execute(f"PRAGMA max_page_count={cap['pages']}")

        client = app.test_client()
        _log_in(client, PROJECT_GROUP)
        quiet_app_log()  # the refusals below are logged as errors; the figures count them
        with closing(sqlite3.connect(database)) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = raw.execute("PRAGMA page_count").fetchone()[0]
        cap["pages"] = pages + 60
        engine.dispose()
        filler = random.Random(3)
        saved: list[str] = []
        refused: list[tuple[str, int, bool]] = []
        for _ in range(200):
            mark = marker()
            padding = "".join(filler.choice("abcdefghij klmnop") for _ in range(12_000))
            status, page = _save_arrangement(client, subjects.arrangement_id, f"{mark}\n{padding}")
            if status == 302:
                saved.append(mark)
            else:
                refused.append((mark, status, NO_ROOM in page))
            if len(refused) >= 5:
                break
        with sessions_of(app) as session:
            arrangement = session.get(Arrangement, subjects.arrangement_id)
            current = arrangement.description if arrangement else ""
            version_when_full = arrangement.version if arrangement else 0
            events_when_full = audit_count(session)
        # Room again: a new connection without the cap.
        cap.pop("pages")
        engine.dispose()
        recovered_mark = marker()
        recovered, _ = _save_arrangement(client, subjects.arrangement_id, recovered_mark)
        engine.dispose()
        problems = sqlite_checks(database)
        verify = make_engine(url)
        with make_session_factory(verify, keys=KEYS)() as session:
            events = session.scalars(
                select(AuditEvent).where(
                    AuditEvent.object_type == "arrangement", AuditEvent.action == "update"
                )
            ).all()
            audited = " ".join(json.dumps(e.new_values) for e in events)
            chain = audit_problem(session)
        verify.dispose()
        if not refused:
            problems.append("de database raakte niet vol")
        if any(status != 507 or not dutch for _, status, dutch in refused):
            problems.append(f"geen nette Nederlandse foutpagina: {refused[:3]}")
        if any(mark in audited or mark in current for mark, _, _ in refused):
            problems.append("een geweigerde wijziging staat toch (deels) in de database")
        if saved and not current.startswith(saved[-1]):
            problems.append("de laatst opgeslagen versie is niet de huidige")
        if any(mark not in audited for mark in saved):
            problems.append("een opgeslagen versie mist in het auditlogboek")
        if recovered != 302:
            problems.append(f"na vrijmaken van ruimte mislukt het opslaan nog: {recovered}")
        if chain:
            problems.append(chain)
        figures = (
            f"saved_before_full={len(saved)} refused={len(refused)} "
            f"(all 507 'Opslag vol' in Dutch: {all(s == 507 and d for _, s, d in refused)}) "
            f"version_when_full={version_when_full} audit_events_when_full={events_when_full} "
            f"integrity=ok recovered_status={recovered}"
        )
        app.extensions["besluitwerk.engine"].dispose()
        logging.getLogger("besluitwerk").setLevel(logging.INFO)
        return (not problems, figures if not problems else "; ".join(problems) + " | " + figures)


def quiet_app_log() -> None:
    logging.getLogger("besluitwerk").setLevel(logging.CRITICAL)


@contextmanager
def sessions_of(app: Any) -> Iterator[Session]:
    with app.extensions["besluitwerk.sessions"]() as session:
        yield session


# Fault 4: disk full for the file store (RLIMIT_FSIZE) --------------------------------------------

DISK_FULL_CHILD = """
import json, re, resource, signal, sys, urllib.parse
from pathlib import Path
sys.path.insert(0, "bench")
from web import AUDIT_KEY, form_fields
from storage.files import LocalFileStore
from webapp.app import create_app
from webapp.config import Settings

url, data_dir, mandate_id, rounds, *parties = sys.argv[1:]
LIMIT = 4096
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG


class FullVolume(LocalFileStore):
    full = False

    def put(self, content):
        if not self.full:
            return super().put(content)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, hard))
        try:
            return super().put(content)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


app = create_app(
    Settings(database_url=url, secret_key="k" * 48, data_dir=Path(data_dir), audit_key=AUDIT_KEY)
)
app.config["DOCUMENT_JOB_WORKER"] = False
store = FullVolume(Path(data_dir) / "files")
app.extensions["besluitwerk.files"] = store
client = app.test_client()
token = lambda page: re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
page = client.get("/login").get_data(as_text=True)
client.post("/login", data={"email": "jurist@enschede.example",
            "password": "Logeren-in-Twente-2025", "csrf_token": token(page)})


def generate(party):
    page = client.get(f"/documenten/mandate/{mandate_id}").get_data(as_text=True)
    response = client.post("/documenten/maken", data={
        "csrf_token": token(page), "kind": "volmacht", "subject_type": "mandate",
        "subject_id": mandate_id, "party_id": party})
    return response.status_code, "geen ruimte meer" in response.get_data(as_text=True)


def edit(mark):
    path = f"/volmachten/{mandate_id}/bewerken"
    page = client.get(path).get_data(as_text=True)
    fields = [(n, v + mark if n == "description" else v) for n, v in form_fields(page)]
    return client.post(path, data=urllib.parse.urlencode(fields),
                       content_type="application/x-www-form-urlencoded").status_code


result = {"before": [generate(p) for p in parties], "full": [], "edits": []}
for turn in range(int(rounds)):
    result["edits"].append(edit(f" vol-{turn}"))
    store.full = True
    result["full"] += [generate(p) for p in parties]
    store.full = False
result["after"] = [generate(p) for p in parties]
print(json.dumps(result))
"""


def disk_full_file_store() -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        database = data_dir / "disk.sqlite3"
        url = f"sqlite:///{database}"
        subjects = prepare(url)
        parties = [str(g) for g in subjects.grantor_ids[:3]]
        arguments = [str(subjects.mandate_id), "4", *parties]
        child = subprocess.run(
            [sys.executable, "-c", DISK_FULL_CHILD, url, str(data_dir), *arguments],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=REPOSITORY,
        )
        if child.returncode != 0:
            raise RuntimeError(f"kind faalde ({child.returncode}): {child.stderr.strip()[-400:]}")
        outcome = json.loads(child.stdout.strip().splitlines()[-1])
        problems = sqlite_checks(database)
        engine = make_engine(url)
        with make_session_factory(engine, keys=KEYS)() as session:
            files = file_store_check(session, data_dir / "files")
            rows = session.scalars(select(Document).order_by(Document.id)).all()
            versions = Counter((d.party_id, d.version) for d in rows)
            chain = audit_problem(session)
        engine.dispose()
        full = outcome["full"]
        if any(status != 507 or not dutch for status, dutch in full):
            problems.append(f"bij een volle schijf geen nette Nederlandse foutpagina: {full[:3]}")
        if any(status != 302 for status, _ in outcome["before"] + outcome["after"]):
            problems.append(f"maken zonder volle schijf mislukt: {outcome}")
        if any(status != 302 for status in outcome["edits"]):
            problems.append(f"wijzigen van het mandaat mislukt: {outcome['edits']}")
        # Made before, and once more after the disk had room: one new version per party.
        expected = {(int(p), v): 1 for p in parties for v in (1, 2)}
        if dict(versions) != expected:
            problems.append(f"documentversies {dict(versions)}, verwacht {expected}")
        problems += files.problems()
        if chain:
            problems.append(chain)
        figures = (
            f"refused_while_full={len(full)} (507 'Opslag vol' in Dutch: "
            f"{all(s == 507 and d for s, d in full)}) document_rows={len(rows)} "
            f"(versions 1 kept and intact, versions 2 made once there was room) "
            f"files_checked={files.files} stray_tmp={files.temporary} (the partly written "
            f"files; no row points to them) integrity=ok"
        )
        return (not problems, figures if not problems else "; ".join(problems) + " | " + figures)


# A private PostgreSQL cluster --------------------------------------------------------------------


class Cluster:
    """initdb in a temporary directory, on a port of its own; stopped and removed at the end."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bw-faults-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        self._run([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"])
        self.ctl("start")

    def _run(self, command: list[str]) -> None:
        subprocess.run(
            self.as_user + command, check=True, capture_output=True, timeout=120, cwd="/"
        )

    def ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log")]
        self._run([*pg_ctl, "-w", "-t", "60", "-o", options, action, *extra])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        admin = make_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        return self.url(name)

    def remove(self) -> None:
        try:
            self.ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


# Fault 5: PostgreSQL restarted during requests ---------------------------------------------------


@dataclass
class Outcome:
    at: float
    kind: str
    status: int  # 0: no answer (connection refused or dropped)
    dutch: bool


def postgresql_restart(cluster: Cluster) -> tuple[bool, str]:
    url = cluster.create_database("restart")
    subjects = prepare(url)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    ledger = Ledger()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        log_path = data_dir / "server.log"
        with log_path.open("w") as log:
            server, port = serve(url, data_dir, log, workers=4, timeout=60)
            try:
                readers = [Client(port) for _ in range(4)]
                for reader in readers:
                    reader.log_in()
                editors = [Client(port) for _ in range(2)]
                for editor in editors:
                    editor.log_in(PROJECT_GROUP)
                started = time.monotonic()
                stop_at = started + 22
                restart: dict[str, float] = {}

                def record(kind: str, status: int, page: str) -> None:
                    dutch = any(
                        text in page
                        for text in (UNREACHABLE, DUTCH_ERROR, "Gewijzigd door een ander")
                    )
                    with lock:
                        outcomes.append(Outcome(time.monotonic() - started, kind, status, dutch))

                def read(client: Client) -> None:
                    paths = ("/", "/regelingen/", "/volmachten/", "/besluiten/")
                    turn = 0
                    while time.monotonic() < stop_at:
                        turn += 1
                        try:
                            status, page = client.request("GET", paths[turn % len(paths)])
                        except OSError:
                            status, page = 0, ""
                        record("read", status, page)
                        time.sleep(0.02)

                def write(client: Client) -> None:
                    form = f"/regelingen/{subjects.arrangement_id}/bewerken"
                    while time.monotonic() < stop_at:
                        try:
                            status, page = client.request("GET", form)
                            if status != 200:
                                record("write", status, page)
                                time.sleep(0.1)
                                continue
                            mark = marker()
                            values = [
                                (n, f"{v.rstrip()}\n{mark}" if n == "description" else v)
                                for n, v in form_fields(page)
                            ]
                            body = urllib.parse.urlencode(values)
                            status, page = client.request("POST", form, body)
                        except OSError:
                            status, page = 0, ""
                        record("write", status, page)
                        if status == 302:
                            with ledger.lock:
                                ledger.edits.append(
                                    ("arrangements", subjects.arrangement_id, "description", mark)
                                )
                        elif status == 409:
                            with ledger.lock:
                                ledger.conflicts += 1

                threads = [threading.Thread(target=read, args=(c,)) for c in readers]
                threads += [threading.Thread(target=write, args=(c,)) for c in editors]
                for thread in threads:
                    thread.start()
                time.sleep(6)
                restart["from"] = time.monotonic() - started
                cluster.ctl("restart", "-m", "fast")
                restart["to"] = time.monotonic() - started
                for thread in threads:
                    thread.join()
            finally:
                stop(server)
        engine = make_engine(url)
        with make_session_factory(engine, keys=KEYS)() as session:
            missing = acknowledged_missing(session, ledger)
            chain = audit_problem(session)
        engine.dispose()
    before = [o for o in outcomes if o.at < restart["from"]]
    during = [o for o in outcomes if o.status not in (200, 302, 409)]
    bad = [o for o in during if not (o.status >= 500 and o.dutch)]
    first_ok_after = min(
        (o.at for o in outcomes if o.at > restart["to"] and o.status in (200, 302)),
        default=None,
    )
    settled = restart["to"] + 3
    after = [o for o in outcomes if o.at > settled]
    failing_after = [o for o in after if o.status not in (200, 302, 409)]
    problems = []
    if any(o.status not in (200, 302, 409) for o in before):
        problems.append("fouten vóór de herstart")
    if bad:
        problems.append(
            f"{len(bad)} fouten zonder nette Nederlandse foutpagina, bv. status {bad[0].status}"
        )
    if first_ok_after is None or failing_after:
        problems.append(f"geen herstel: {len(failing_after)} fouten na {settled:.1f} s")
    if missing:
        problems.append(f"bevestigd maar ontbreekt: {missing[:3]}")
    if chain:
        problems.append(chain)
    recovered_in = (first_ok_after - restart["to"]) if first_ok_after is not None else -1
    figures = (
        f"requests={len(outcomes)} before_restart_ok={len(before)} "
        f"failed={len(during)} (5xx with the Dutch page: {len(during) - len(bad)}, "
        f"other: {len(bad)}) restart_took={restart['to'] - restart['from']:.1f}s "
        f"first_success_after_restart={recovered_in:.2f}s after_recovery_ok="
        f"{len(after) - len(failing_after)}/{len(after)} acknowledged_writes={len(ledger.edits)} "
        f"present={len(ledger.edits) - len(missing)} conflicts_409={ledger.conflicts}"
    )
    statuses = Counter(o.status for o in during)
    if statuses:
        note(f"postgresql_restart: failed requests by status {dict(statuses)}")
    return (not problems, figures if not problems else "; ".join(problems) + " | " + figures)


# Fault 6: two schedulers at once, and a killed scheduler -----------------------------------------


class SlowMailbox:
    """An SMTP server that takes its time per message, so that a kill lands mid-dispatch."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.08)
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.keys.append(str(message["X-Besluitwerk-Key"]))
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.keys)


def tick(url: str, data_dir: Path, smtp_port: int, moment: datetime) -> Any:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BESLUITWERK_DATA_DIR": str(data_dir),
        "AUDIT_KEY": AUDIT_KEY,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
    }
    command = [str(Path(sys.executable).parent / "besluitwerk"), "tick"]
    command += ["--now", moment.isoformat()]
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPOSITORY,
    )


def write_load(url: str, stop_event: threading.Event, counter: list[int]) -> None:
    """Edits in short transactions while the schedulers run (they share the write lock)."""
    engine = make_engine(url)
    factory = make_session_factory(engine, keys=KEYS)
    while not stop_event.is_set():
        with factory() as session:
            user = session.scalars(select(User).where(User.email == PROJECT_GROUP)).one()
            actor = accounts.actor_for(user, ORIGIN)
            arrangement = session.scalars(select(Arrangement).order_by(Arrangement.id)).first()
            assert arrangement is not None
            arrangements.update(
                session,
                actor,
                arrangement.id,
                {"description": f"{arrangement.description.rstrip()}\n{marker()}"},
                expected_version=arrangement.version,
                partial=True,
            )
            session.commit()
        counter.append(1)
        time.sleep(0.05)
    engine.dispose()


def _email_keys(url: str) -> tuple[dict[str, str], Counter[str]]:
    engine = make_engine(url)
    with make_session_factory(engine, keys=KEYS)() as session:
        rows = session.scalars(select(Message)).all()
        email_status = {m.key: m.status for m in rows if m.channel == "email"}
        in_app = Counter(m.status for m in rows if m.channel == "in_app")
    engine.dispose()
    return email_status, in_app


def schedulers(make_url: Callable[[str], str]) -> tuple[bool, str]:
    now = datetime.now(UTC).replace(microsecond=0)
    problems: list[str] = []
    figures: list[str] = []
    mailbox = SlowMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            data_dir = Path(folder)
            # Two at once, under a write load.
            url = make_url("together")
            prepare(url)
            stop_event, edits = threading.Event(), []
            load = threading.Thread(target=write_load, args=(url, stop_event, edits))
            load.start()
            pair = [tick(url, data_dir, controller.port, now) for _ in range(2)]
            outputs = [p.communicate(timeout=180) for p in pair]
            stop_event.set()
            load.join()
            for process, (_, err) in zip(pair, outputs, strict=True):
                if process.returncode != 0:
                    problems.append(f"tick faalde: {err.strip()[-300:]}")
                if "locked" in err.lower():
                    problems.append('"database is locked" in een tick')
            statuses, in_app = _email_keys(url)
            sent = Counter(mailbox.keys)
            doubles = sum(n - 1 for n in sent.values() if n > 1)
            unsent = [k for k, s in statuses.items() if s != "sent" or k not in sent]
            if doubles or unsent:
                problems.append(f"samen: {doubles} dubbel verstuurd, {len(unsent)} niet verstuurd")
            if set(in_app) - {"sent"}:
                problems.append(f"meldingen niet afgeleverd: {dict(in_app)}")
            figures.append(
                f"two_at_once: mails={len(statuses)} received={len(mailbox.keys)} "
                f"duplicates={doubles} notifications={sum(in_app.values())} "
                f"ticks={' | '.join(o.strip() for o, _ in outputs)} edits_meanwhile={len(edits)}"
            )
            # One killed in the middle of sending, then a later tick.
            mailbox.keys.clear()
            url = make_url("killed")
            prepare(url)
            stop_event, edits = threading.Event(), []
            load = threading.Thread(target=write_load, args=(url, stop_event, edits))
            load.start()
            victim = tick(url, data_dir, controller.port, now)
            deadline = time.monotonic() + 120
            while mailbox.count() < 3 and victim.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            killed_midway = victim.poll() is None
            victim.send_signal(signal.SIGKILL)
            victim.communicate(timeout=30)
            at_kill = mailbox.count()
            later = tick(url, data_dir, controller.port, now + timedelta(minutes=10))
            out, err = later.communicate(timeout=180)
            stop_event.set()
            load.join()
            if later.returncode != 0:
                problems.append(f"latere tick faalde: {err.strip()[-300:]}")
            statuses, in_app = _email_keys(url)
            sent = Counter(mailbox.keys)
            doubles = sum(n - 1 for n in sent.values() if n > 1)
            unsent = [k for k, s in statuses.items() if s != "sent" or k not in sent]
            if not killed_midway:
                problems.append("de tick was al klaar voor de kill")
            if unsent:
                problems.append(f"na de kill {len(unsent)} herinneringen nooit verstuurd")
            if doubles > 1:
                problems.append(f"na de kill {doubles} dubbel verstuurd (venster: hooguit 1)")
            if set(in_app) - {"sent"}:
                problems.append(f"meldingen niet afgeleverd: {dict(in_app)}")
            figures.append(
                f"killed: mails={len(statuses)} received_before_kill={at_kill} "
                f"received_total={len(mailbox.keys)} duplicates={doubles} (crash window) "
                f"unsent={len(unsent)} later_tick={out.strip()} edits_meanwhile={len(edits)}"
            )
    finally:
        controller.stop()
    detail = "; ".join(figures)
    return (not problems, detail if not problems else "; ".join(problems) + " | " + detail)


def main() -> None:
    started = time.monotonic()
    run_fault("sigkill_worker_mid_write", sigkill_worker_mid_write)
    run_fault("sigkill_mid_document_generation", sigkill_mid_document_generation)
    run_fault("database_full", database_full)
    run_fault("disk_full_file_store", disk_full_file_store)
    with tempfile.TemporaryDirectory() as folder:
        run_fault(
            "schedulers_sqlite",
            lambda: schedulers(lambda name: f"sqlite:///{Path(folder) / name}.sqlite3"),
        )
    cluster = Cluster()
    try:
        run_fault("postgresql_restart", lambda: postgresql_restart(cluster))
        run_fault(
            "schedulers_postgresql",
            lambda: schedulers(cluster.create_database),
        )
    finally:
        cluster.remove()
    failed = [name for name, ok in results if not ok]
    summary = f"# {len(results) - len(failed)} van {len(results)} fouten doorstaan in "
    summary += f"{time.monotonic() - started:.0f} s"
    print(summary + (f"; MISLUKT: {', '.join(failed)}" if failed else ""))
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
