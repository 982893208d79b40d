"""Benchmark: the dashboard under load, side by side with the health check on the same server,
then the same server under a mix of page views and writes.

gunicorn runs the production app (``webapp.wsgi``) with 4 workers on loopback, on SQLite and,
with TEST_DATABASE_URL set, on PostgreSQL (a schema of its own). The demo data is seeded.

Phase 1 (read only): every client logs in as a policy officer. For a fixed time each, in turns,
the clients ask the health check (no database) and the start page (signals, deadlines and
notifications from the database). Prints requests per second and p95 latency of both, the
number of 5xx answers, and `RATIO dashboard_vs_health <v>` (aim: at least 0.3;
`…_postgresql` for PostgreSQL).

Phase 2 (reads and writes): the same readers walk the start page and the registers while
writers, logged in like a browser (cookie session, CSRF token from the page) as the project
group and as a jurist, edit the arrangement, the mandate and a section of a shared decision
dossier (each appending a unique marker line, with the version from the form: 409s from
concurrent edits are expected and counted), move their own dossier back and forth between
concept and mee-advisering (the marker in the note), and generate volmachten. Every write the
server acknowledged (the expected redirect) is recorded with what it wrote; after the load the
database is checked: every acknowledged write present, every document's file present with its
sha256, zero 5xx, zero "database is locked" in the server's log, the audit chain intact. Prints
`WRITES acknowledged=N present=N conflicts_409=M`, `FIVEXX 0`, `LOCKED 0`, `AUDIT intact`.

Bounded: about two minutes per database. Run from the repository root without arguments:

    .venv/bin/python bench/web.py
"""

from __future__ import annotations

import hashlib
import html
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.engine import make_url

from storage.arrangements import Arrangement
from storage.audit import verify_chain
from storage.database import make_engine, make_session_factory
from storage.decisions import Decision, Transition
from storage.documents import Document
from storage.keys import Keys
from storage.mandates import Grant, Mandate
from storage.migrate import upgrade
from workflows.actors import system_actor
from workflows.demo import demo
from workflows.registers import mandates

# The key kept outside the database (S25, S31): the served app and the checks here share it.
AUDIT_KEY = "bench-audit-Hq7Lm2Xv9Rt4Kp8Wc3Nz6Bd1Fs5Gj0Ye"
KEYS = Keys.derive(AUDIT_KEY)
WORKERS = 4
CLIENTS = 8
SECONDS = 8
ROUNDS = 2
OFFICER = "beleid@enschede.example"
# The writers: officers without a second factor (S19 asks one of providers and beheerders).
PROJECT_GROUP = "projectgroep@rijssen-holten.example"
JURIST = "jurist@enschede.example"
WRITERS = 6
MIXED_SECONDS = 40
READ_PATHS = ("/", "/regelingen/", "/volmachten/", "/besluiten/")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_MADE = re.compile(r">\s*([^<>]+?): versie (\d+) staat klaar")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Client:
    """One browser: its own cookies (set by hand, since the production cookies are Secure and
    this runs over plain HTTP on loopback)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.location = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            self.location = urllib.parse.urlsplit(response.getheader("Location") or "").path
            return response.status, text
        finally:
            connection.close()

    def log_in(self, email: str = OFFICER) -> None:
        _, page = self.request("GET", "/login")
        token = _CSRF.search(page)
        if token is None:
            raise RuntimeError("geen CSRF-token op de inlogpagina")
        form = urllib.parse.urlencode(
            {"email": email, "password": demo.DEMO_PASSWORD, "csrf_token": token.group(1)}
        )
        status, _ = self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"inloggen mislukt: {status}")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def hammer(clients: list[Client], path: str, seconds: float) -> tuple[float, float, int]:
    """Requests per second, p95 latency in ms, and the number of 5xx answers."""
    tally = Tally()
    stop = time.monotonic() + seconds

    def run(client: Client) -> None:
        mine: list[float] = []
        errors = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, _ = client.request("GET", path)
            mine.append(time.perf_counter() - started)
            if status >= 500 or (path == "/" and status != 200):
                errors += 1
        with tally.lock:
            tally.latencies.extend(mine)
            tally.errors += errors

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    p95 = statistics.quantiles(tally.latencies, n=20)[18] * 1000
    return len(tally.latencies) / elapsed, p95, tally.errors


@dataclass(frozen=True)
class Subjects:
    """What the writers work on: ids from the seeded demo."""

    arrangement_id: int
    mandate_id: int
    grantor_ids: list[int]


def prepare(url: str) -> Subjects:
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine, keys=KEYS)() as session:
        demo.seed_demo(session, system_actor("bench"), today=date.today())
        session.commit()
        arrangement_id = session.scalars(select(Arrangement.id).order_by(Arrangement.id)).first()
        granted = session.scalars(select(Mandate.id).order_by(Mandate.id)).first()
        assert granted is not None
        # The demo volmacht is granted, so its text is fixed: the writers edit a new version.
        mandate_id = mandates.new_version(session, system_actor("bench"), granted).id
        session.commit()
        grantors = session.scalars(
            select(Grant.grantor_id).where(Grant.mandate_id == mandate_id).order_by(Grant.id)
        ).all()
    engine.dispose()
    assert arrangement_id is not None and mandate_id is not None and grantors
    return Subjects(arrangement_id, mandate_id, list(grantors))


def serve(
    url: str, data_dir: Path, log: TextIO, *, workers: int = WORKERS, timeout: int = 30
) -> tuple[subprocess.Popen[bytes], int]:
    """The production app under gunicorn on a free loopback port, once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BESLUITWERK_DATA_DIR": str(data_dir),
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "AUDIT_KEY": AUDIT_KEY,
        "TRUSTED_HOSTS": "127.0.0.1",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--timeout", str(timeout), "webapp.wsgi:app"]
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=root)
    deadline = time.monotonic() + 60
    while True:
        try:
            if Client(port).request("GET", "/health")[0] == 200:
                return server, port
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("gunicorn kwam niet op")
        time.sleep(0.2)


# Writes through the pages, as a browser makes them ------------------------------------------


class FormFields(HTMLParser):
    """The fields a browser would submit from the page's edit form (``form.bw-form``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and "bw-form" in (found.get("class") or "").split():
            self._inside = True
        if not self._inside:
            return
        name = found.get("name")
        if tag == "input" and name:
            kind = found.get("type") or "text"
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            self.fields.append((name, found.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((found.get("value") or "", "selected" in found))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None


def form_fields(page: str) -> list[tuple[str, str]]:
    parser = FormFields()
    parser.feed(page)
    parser.close()
    return parser.fields


def csrf(page: str) -> str:
    token = _CSRF.search(page)
    if token is None:
        raise RuntimeError("geen CSRF-token op de pagina")
    return token.group(1)


@dataclass
class Ledger:
    """What the server acknowledged, and everything else that came back."""

    edits: list[tuple[str, int, str, str]] = field(default_factory=list)  # table, id, col, mark
    transitions: list[tuple[int, str, str]] = field(default_factory=list)  # dossier, to, mark
    documents: list[tuple[str, int]] = field(default_factory=list)  # title, version
    conflicts: int = 0
    fivexx: int = 0
    unexpected: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> int:
        return len(self.edits) + len(self.transitions) + len(self.documents)


def marker() -> str:
    return f"bench-{uuid.uuid4().hex[:16]}"


class Writer:
    """One officer in a browser: edits with the version from the form, workflow steps on a
    dossier of their own, and volmachten made from the mandate."""

    def __init__(self, port: int, email: str, subjects: Subjects, ledger: Ledger, seed: int):
        self.client = Client(port)
        self.email = email
        self.subjects = subjects
        self.ledger = ledger
        self.random = random.Random(seed)
        self.client.log_in(email)
        self.own_decision = self.new_decision()
        self.shared_decision = 0

    def new_decision(self) -> int:
        path = f"/besluiten/nieuw?regeling={self.subjects.arrangement_id}"
        status, page = self.client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"nieuw dossier: {status}")
        status, _ = self.client.request("POST", path, urllib.parse.urlencode(form_fields(page)))
        found = re.fullmatch(r"/besluiten/(\d+)", self.client.location)
        if status != 302 or found is None:
            raise RuntimeError(f"nieuw dossier niet aangemaakt: {status}")
        return int(found.group(1))

    def _answer(self, status: int, what: str, started: float | None) -> None:
        with self.ledger.lock:
            if started is not None:  # a write; None for the page read before it
                self.ledger.latencies.append(time.perf_counter() - started)
            if status == 409:
                self.ledger.conflicts += 1
            elif status >= 500:
                self.ledger.fivexx += 1
                self.ledger.unexpected.append(f"{status} {what}")
            elif status != (302 if started is not None else 200):
                self.ledger.unexpected.append(f"{status} {what}")

    def edit(self, form: str, done: str, table: str, row: int, column: str) -> None:
        status, page = self.client.request("GET", form)
        if status != 200:
            self._answer(status, f"GET {form}", None)
            return
        mark = marker()
        values = [
            (name, f"{value.rstrip()}\n{mark}" if name == column else value)
            for name, value in form_fields(page)
        ]
        started = time.perf_counter()
        status, _ = self.client.request("POST", form, urllib.parse.urlencode(values))
        self._answer(status, f"POST {form}", started)
        if status == 302 and self.client.location == done:
            with self.ledger.lock:
                self.ledger.edits.append((table, row, column, mark))

    def transition(self) -> None:
        page_path = f"/besluiten/{self.own_decision}"
        status, page = self.client.request("GET", page_path)
        if status != 200:
            self._answer(status, f"GET {page_path}", None)
            return
        # The page offers the next steps: from mee-advisering also "advies gemeentesecretaris".
        target = "draft" if '<option value="secretary_advice">' in page else "co_advice"
        mark = marker()
        form = {"csrf_token": csrf(page), "to": target, "note": mark}
        started = time.perf_counter()
        status, _ = self.client.request(
            "POST", f"{page_path}/overgang", urllib.parse.urlencode(form)
        )
        self._answer(status, f"POST {page_path}/overgang", started)
        if status == 302 and self.client.location == page_path:
            with self.ledger.lock:
                self.ledger.transitions.append((self.own_decision, target, mark))

    def document(self) -> None:
        mandate = self.subjects.mandate_id
        status, page = self.client.request("GET", f"/documenten/mandate/{mandate}")
        if status != 200:
            self._answer(status, "GET documenten", None)
            return
        form = {
            "csrf_token": csrf(page),
            "kind": "volmacht",
            "subject_type": "mandate",
            "subject_id": str(mandate),
            "party_id": str(self.random.choice(self.subjects.grantor_ids)),
        }
        started = time.perf_counter()
        status, _ = self.client.request("POST", "/documenten/maken", urllib.parse.urlencode(form))
        self._answer(status, "POST /documenten/maken", started)
        if status != 302 or self.client.location != f"/documenten/mandate/{mandate}":
            return
        # The flash message on the page the redirect leads to says which version was made.
        _, page = self.client.request("GET", self.client.location)
        made = _MADE.search(page)
        with self.ledger.lock:
            if made is None:
                self.ledger.unexpected.append("document gemaakt zonder melding van de versie")
            else:
                self.ledger.documents.append((html.unescape(made.group(1)), int(made.group(2))))

    def step(self) -> None:
        choice = self.random.choice(("edit", "edit", "shared", "transition", "document"))
        if choice == "transition":
            self.transition()
        elif choice == "document":
            self.document()
        elif choice == "shared":
            decision = self.shared_decision
            self.edit(
                f"/besluiten/{decision}/bewerken/communicatie",
                f"/besluiten/{decision}",
                "decisions",
                decision,
                "follow_up",
            )
        elif self.email == PROJECT_GROUP:
            arrangement = self.subjects.arrangement_id
            self.edit(
                f"/regelingen/{arrangement}/bewerken",
                f"/regelingen/{arrangement}",
                "arrangements",
                arrangement,
                "description",
            )
        else:
            mandate = self.subjects.mandate_id
            self.edit(
                f"/volmachten/{mandate}/bewerken",
                f"/volmachten/{mandate}",
                "mandates",
                mandate,
                "description",
            )


def writers(port: int, subjects: Subjects, ledger: Ledger, count: int = WRITERS) -> list[Writer]:
    team = [
        Writer(port, PROJECT_GROUP if i % 2 == 0 else JURIST, subjects, ledger, seed=i)
        for i in range(count)
    ]
    # One dossier per municipality that all its writers edit at once (the 409s of S28).
    shared: dict[str, int] = {}
    for writer in team:
        if writer.email not in shared:
            shared[writer.email] = writer.new_decision()
        writer.shared_decision = shared[writer.email]
    return team


def mixed(
    readers: list[Client], team: list[Writer], seconds: float
) -> tuple[float, float, int, float]:
    """Reads per second, their p95 in ms, reads answered 5xx, writes per second."""
    reads = Tally()
    stop = time.monotonic() + seconds

    def read(client: Client, offset: int) -> None:
        mine: list[float] = []
        errors = 0
        turn = offset
        while time.monotonic() < stop:
            path = READ_PATHS[turn % len(READ_PATHS)]
            turn += 1
            started = time.perf_counter()
            status, _ = client.request("GET", path)
            mine.append(time.perf_counter() - started)
            if status >= 500:
                errors += 1
        with reads.lock:
            reads.latencies.extend(mine)
            reads.errors += errors

    def write(writer: Writer) -> None:
        while time.monotonic() < stop:
            writer.step()

    started = time.monotonic()
    threads = [threading.Thread(target=read, args=(c, i)) for i, c in enumerate(readers)]
    threads += [threading.Thread(target=write, args=(w,)) for w in team]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    p95 = statistics.quantiles(reads.latencies, n=20)[18] * 1000
    written = len(team[0].ledger.latencies) if team else 0
    return len(reads.latencies) / elapsed, p95, reads.errors, written / elapsed


# After the load: is everything that was acknowledged there? ---------------------------------


@dataclass
class Check:
    present: int = 0
    missing: list[str] = field(default_factory=list)
    documents: int = 0
    bad_files: list[str] = field(default_factory=list)
    temporary_files: int = 0
    audit: str = ""


def check(url: str, data_dir: Path, ledger: Ledger) -> Check:
    result = Check()
    engine = make_engine(url)
    tables = {"arrangements": Arrangement, "mandates": Mandate, "decisions": Decision}
    columns = {"description", "follow_up"}
    with make_session_factory(engine, keys=KEYS)() as session:
        texts: dict[tuple[str, int, str], set[str]] = {}
        for table, row, column, mark in ledger.edits:
            assert column in columns
            key = (table, row, column)
            if key not in texts:
                stored = session.get(tables[table], row)
                value = str(getattr(stored, column, "") or "") if stored is not None else ""
                texts[key] = set(value.splitlines())
            if mark in texts[key]:
                result.present += 1
            else:
                result.missing.append(f"{table}#{row}.{column} {mark}")
        notes = {
            (t.decision_id, t.to_status, t.note)
            for t in session.scalars(
                select(Transition).where(Transition.note.like("bench-%"))
            ).all()
        }
        for made in ledger.transitions:
            if made in notes:
                result.present += 1
            else:
                result.missing.append(f"overgang {made}")
        rows = session.scalars(select(Document)).all()
        stored_documents = {(d.title, d.version) for d in rows}
        for made_document in ledger.documents:
            if made_document in stored_documents:
                result.present += 1
            else:
                result.missing.append(f"document {made_document}")
        store = data_dir / "files"
        for document in rows:
            result.documents += 1
            path = store / document.file_key
            if not path.is_file():
                result.bad_files.append(f"document #{document.id}: bestand ontbreekt")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != document.output_sha256:
                result.bad_files.append(f"document #{document.id}: sha256 wijkt af")
        result.temporary_files = sum(1 for _ in store.rglob("*.tmp")) if store.exists() else 0
        chain = verify_chain(session)
        result.audit = (
            f"intact ({chain.checked} events)"
            if chain.broken_id is None
            else f"BROKEN at event #{chain.broken_id}"
        )
    engine.dispose()
    return result


def server_log(path: Path) -> tuple[int, list[str]]:
    """The number of "database is locked" lines and the logged errors of the server."""
    text = path.read_text("utf-8", "replace")
    locked = sum(1 for line in text.splitlines() if "database is locked" in line.lower())
    errors = [
        line[:240]
        for line in text.splitlines()
        if " ERROR " in line or "Traceback" in line or "unexpected error" in line
    ]
    return locked, errors


def measure(label: str, url: str, data_dir: Path) -> None:
    subjects = prepare(url)
    log_path = data_dir / "server.log"
    ledger = Ledger()
    with log_path.open("w") as log:
        server, port = serve(url, data_dir, log)
        try:
            clients = [Client(port) for _ in range(CLIENTS)]
            for client in clients:
                client.log_in()
            hammer(clients, "/", 2)  # warm up every worker's engine and templates
            health, dashboard = [], []
            for _ in range(ROUNDS):  # in turns, so that drift hits both alike
                health.append(hammer(clients, "/health", SECONDS))
                dashboard.append(hammer(clients, "/", SECONDS))
            team = writers(port, subjects, ledger)
            read_rps, read_p95, read_errors, write_rps = mixed(clients, team, MIXED_SECONDS)
        finally:
            server.terminate()
            server.wait(timeout=30)
    health_rps = statistics.mean(h[0] for h in health)
    dashboard_rps = statistics.mean(d[0] for d in dashboard)
    suffix = "" if label == "sqlite" else f"_{label}"
    read_only_5xx = sum(h[2] for h in health) + sum(d[2] for d in dashboard)
    print(f"RPS health{suffix} {health_rps:.1f}")
    print(f"RPS dashboard{suffix} {dashboard_rps:.1f}")
    print(f"P95_MS health{suffix} {max(h[1] for h in health):.1f}")
    print(f"P95_MS dashboard{suffix} {max(d[1] for d in dashboard):.1f}")
    print(f"ERRORS_5XX{suffix} {read_only_5xx}")
    print(f"RATIO dashboard_vs_health{suffix} {dashboard_rps / health_rps:.3f}")

    found = check(url, data_dir, ledger)
    locked, logged = server_log(log_path)
    write_p95 = statistics.quantiles(ledger.latencies, n=20)[18] * 1000
    print(f"RPS reads_under_writes{suffix} {read_rps:.1f}")
    print(f"P95_MS reads_under_writes{suffix} {read_p95:.1f}")
    print(f"RPS writes{suffix} {write_rps:.1f}")
    print(f"P95_MS writes{suffix} {write_p95:.1f}")
    print(
        f"WRITES{suffix} acknowledged={ledger.acknowledged} present={found.present} "
        f"conflicts_409={ledger.conflicts} (edits={len(ledger.edits)} "
        f"transitions={len(ledger.transitions)} documents={len(ledger.documents)})"
    )
    print(f"FIVEXX{suffix} {read_only_5xx + read_errors + ledger.fivexx}")
    print(f"LOCKED{suffix} {locked}")
    print(f"AUDIT{suffix} {found.audit}")
    print(
        f"FILES{suffix} documents={found.documents} bad={len(found.bad_files)} "
        f"tmp={found.temporary_files}"
    )
    for problem in (found.missing + found.bad_files)[:10]:
        print(f"# ontbreekt: {problem}")
    unexpected = sorted(set(ledger.unexpected))
    if unexpected:
        print(f"# onverwachte antwoorden ({len(ledger.unexpected)}): {'; '.join(unexpected[:8])}")
    if logged:
        print(f"# fouten in het serverlog ({len(logged)}):")
        for line in logged[:6]:
            print(f"#   {line}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        measure("sqlite", f"sqlite:///{Path(folder) / 'web.sqlite3'}", Path(folder))
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        print("# PostgreSQL overgeslagen: TEST_DATABASE_URL is niet gezet")
        return
    schema = f"bw_bench_web_{uuid.uuid4().hex[:6]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with tempfile.TemporaryDirectory() as folder:
            measure("postgresql", url.render_as_string(hide_password=False), Path(folder))
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


if __name__ == "__main__":
    main()
