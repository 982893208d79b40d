"""Benchmark: a region's ten years of work against the plain demo, page by page.

Two fresh databases in the same run: the Twente demo, and the demo filled through the project's
own use cases (``workflows.*``, as the import, register and decision pages call them) to
300 arrangements, 1,000 mandates with 13,000 grants, 5,000 decisions, 20,000 deadlines and
5,000 documents (``--scale 0.1`` for a quick run with a tenth of each). Both are served by the
app (Flask test client, logged in as the project group, which takes part in every arrangement,
and with an API token of the same account), and each page is timed on both: prints
``TIME <name>_demo/_scaled`` and ``RATIO page_scaled_vs_demo_<name> <x>`` (aim: at most 3) for
the start page, each register list, /signalen, /signalen/termijnen and each API list at one
page of results, and ``RATIO tick_scaled_vs_demo`` for a repeated scheduler tick (aim: at most
5), run in a process of its own as in production, plus the longest wait of a cheap database
request of the app during those ticks (``WAIT tick_cheap_ms``).

SQLite in a temporary folder; PostgreSQL too when TEST_DATABASE_URL is set or ``--postgres URL``
is given (two schemas of their own, dropped afterwards). Run from the repository root:

    .venv/bin/python bench/scale.py [--scale 0.1] [--postgres URL]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import multiprocessing
import os
import queue
import re
import statistics
import sys
import tempfile
import threading
import time
import traceback
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from storage.accounts import User
from storage.database import make_engine, make_session_factory
from storage.deadlines import Deadline
from storage.decisions import Decision
from storage.documents import Document
from storage.files import LocalFileStore
from storage.keys import Keys
from storage.migrate import upgrade
from storage.organisations import Organisation
from webapp.app import create_app
from webapp.config import Settings
from webapp.database import sessions
from workflows.accounts import accounts
from workflows.actors import Actor, system_actor
from workflows.deadlines import deadlines, reminders
from workflows.decisions import decisions
from workflows.demo import demo
from workflows.documents import documents
from workflows.registers import agreements, arrangements, mandates
from workflows.rules.acts import Act

AUDIT_KEY = "bench-scale-audit-Qm4Xv8Lr2Tz6Pk1Wc9Nb3Hd7Fs5Gj0Ye"
KEYS = Keys.derive(AUDIT_KEY)
PROJECT_GROUP = "projectgroep@rijssen-holten.example"
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
# Requests of 5 to 50 ms vary by a third from one to the next on a shared machine. With the
# median of five turns a ratio moved by up to 0.5 between runs; with fifteen, three runs of the
# same pages stayed within 0.4 of each other.
REPEATS = 15

VOLUMES = {
    "arrangements": 300,
    "mandates": 1_000,
    "grantors": 13,
    "decisions": 5_000,
    "deadlines": 20_000,
    "documents": 5_000,
}

FIELDS = ("jeugd", "wmo", "beschermd wonen")
PAGES: dict[str, str] = {
    "start": "/",
    "arrangements": "/regelingen/",
    "mandates": "/volmachten/",
    "agreements": "/overeenkomsten/",
    "decisions": "/besluiten/",
    "organisations": "/organisaties/",
    "signals": "/signalen",
    "deadlines": "/signalen/termijnen",
    "api_arrangements": "/api/v1/arrangements?limit=50",
    "api_mandates": "/api/v1/mandates?limit=50",
    "api_agreements": "/api/v1/agreements?limit=50",
    "api_decisions": "/api/v1/decisions?limit=50",
    "api_deadlines": "/api/v1/deadlines?limit=50",
    "api_signals": "/api/v1/signals?limit=50",
    "api_organisations": "/api/v1/organisations?limit=50",
}


# Filling ---------------------------------------------------------------------------------------


def _organisations(session: Session) -> tuple[list[Organisation], list[Organisation]]:
    rows = session.scalars(select(Organisation).order_by(Organisation.id)).all()
    municipalities = [o for o in rows if o.kind == "municipality"]
    providers = [o for o in rows if o.kind == "provider"]
    return municipalities, providers


def fill(session: Session, actor: Actor, scale: float) -> dict[str, int]:
    """The registers of ten years of regional work, made by the use cases; commits as it goes."""
    wanted = {name: max(1, round(count * scale)) for name, count in VOLUMES.items()}
    wanted["grantors"] = VOLUMES["grantors"]
    municipalities, providers = _organisations(session)
    lead = next(o for o in municipalities if o.name == demo.LEAD_MUNICIPALITY)
    project_group = session.scalars(select(User).where(User.email == PROJECT_GROUP)).one()
    grantors = [o.id for o in municipalities if o.id != lead.id][: wanted["grantors"]]
    made = {"arrangements": 0, "mandates": 0, "grants": 0, "decisions": 0, "agreements": 0}
    arrangement_ids: list[int] = []
    for number in range(wanted["arrangements"]):
        # Ten years of arrangements: some long ended, some running, some still to come.
        start = TODAY - timedelta(days=3650) + timedelta(days=number * 12)
        arrangement = arrangements.create(
            session,
            actor,
            {
                "name": f"Regeling {number + 1:04d} {FIELDS[number % 3]}",
                "description": "Regionale regeling (benchmark).",
                "lead_organisation_id": lead.id,
                "participant_ids": [o.id for o in municipalities] + [providers[number % 5].id],
                "successor_kind": "tender",
                "successor_start_on": start + timedelta(days=3 * 365),
            },
        )
        arrangement_ids.append(arrangement.id)
        pilot = arrangements.add_phase(
            session,
            actor,
            arrangement.id,
            {"kind": "pilot", "name": "Pilot", "start_on": start, "end_on": start + timedelta(730)},
        )
        arrangements.add_phase(
            session, actor, arrangement.id, {"end_on": start + timedelta(days=3 * 365 - 1)}
        )
        made["arrangements"] += 1
        per_arrangement = wanted["mandates"] // wanted["arrangements"] + (
            1 if number < wanted["mandates"] % wanted["arrangements"] else 0
        )
        for m in range(per_arrangement):
            mandate = mandates.create(
                session,
                actor,
                {
                    "arrangement_id": arrangement.id,
                    "kind": "volmacht",
                    "title": f"Volmacht {m + 1} bij regeling {number + 1}",
                    "grantee_id": lead.id,
                    "grantee_function": "college van burgemeester en wethouders",
                    "acts": [Act.CONCLUDE_AGREEMENT, Act.EXTEND_AGREEMENT],
                    "phase_ids": [pilot.id],
                    "includes_extensions": True,
                    "grantor_ids": grantors,
                },
            )
            made["mandates"] += 1
            made["grants"] += len(mandate.grants)
            if m == 0:
                # The first volmacht of each arrangement is granted by every college.
                for grant in list(mandate.grants):
                    for status in (
                        {"status": "granted", "granted_on": start},
                        {"status": "active"},
                    ):
                        mandates.record_grant(
                            session,
                            actor,
                            mandate.id,
                            grant.grantor_id,
                            status,
                            expected_version=grant.version,
                        )
                agreements.create(
                    session,
                    actor,
                    {
                        "arrangement_id": arrangement.id,
                        "kind": "purchase",
                        "reference": f"BENCH-{number + 1:04d}",
                        "title": f"Inkoopovereenkomst regeling {number + 1}",
                        "provider_id": providers[number % 5].id,
                        "contracting_party_id": lead.id,
                        "start_on": start,
                        "end_on": start + timedelta(days=730),
                        "extension_count": 1,
                        "extension_months": 12,
                        "notice_months": 3,
                        "mandate_ids": [mandate.id],
                    },
                )
                made["agreements"] += 1
        session.commit()
    for number in range(wanted["decisions"]):
        municipality = municipalities[number % len(municipalities)]
        decisions.create(
            session,
            actor,
            {
                "subject": f"Besluit {number + 1} (benchmark)",
                "arrangement_id": arrangement_ids[number % len(arrangement_ids)],
                "municipality_id": municipality.id,
                "meeting_on": TODAY + timedelta(days=7 * (number % 52) - 180),
            },
            now=NOW,
        )
        made["decisions"] += 1
        if number % 500 == 499:
            session.commit()
    session.commit()
    # The derived deadlines come from the registers, as the scheduler's tick makes them.
    deadlines.sync(session, as_of=TODAY)
    session.commit()
    derived = len(session.scalars(select(Deadline.id)).all())
    for number in range(max(0, wanted["deadlines"] - derived)):
        deadlines.add_manual(
            session,
            actor,
            {
                "subject": f"Termijn {number + 1}",
                "due_on": TODAY + timedelta(days=number % 900 - 300),
                "arrangement_id": arrangement_ids[number % len(arrangement_ids)],
                "owner_id": project_group.id,
            },
            now=NOW + timedelta(microseconds=number),
        )
        if number % 1000 == 999:
            session.commit()
    session.commit()
    made["deadlines"] = len(session.scalars(select(Deadline.id)).all())
    made["documents"] = _documents(session, actor, arrangement_ids, wanted["documents"])
    session.commit()
    return made


def _documents(session: Session, actor: Actor, arrangement_ids: list[int], count: int) -> int:
    """The documents of the arrangements' decisions.

    Rendering 5,000 .docx files through ``documents.generate`` would take the benchmark most of
    an hour, and what the lists read is the row, not the file: one agenda form is made through
    the use case, and the rest are rows like it (same template, own subject, own hashes) written
    in bulk. The files are not there, which no list page reads."""
    files = LocalFileStore(Path(tempfile.mkdtemp(prefix="bw-scale-files-")))
    decision_ids = session.scalars(
        select(Decision.id)
        .where(Decision.arrangement_id.in_(arrangement_ids))
        .order_by(Decision.id)
        .limit(count)
    ).all()
    first = documents.generate(
        session, files, actor, "agendaformulier", "decision", decision_ids[0], now=NOW
    )
    rows: list[dict[str, Any]] = []
    for number, decision_id in enumerate(decision_ids[1:count]):
        digest = hashlib.sha256(f"bench-{number}".encode()).hexdigest()
        rows.append(
            {
                "kind": first.kind,
                "subject_type": "decision",
                "subject_id": decision_id,
                "party_key": 0,
                "party_id": first.party_id,
                "provider_id": None,
                "version": 1,
                "title": f"Agendaformulier {decision_id}",
                "template_id": first.template_id,
                "template_version": first.template_version,
                "input_sha256": digest,
                "output_sha256": digest,
                "file_key": first.file_key,
                "size": first.size,
                "made_by_label": first.made_by_label,
                "made_at": NOW,
            }
        )
    if rows:
        session.execute(insert(Document), rows)
    return 1 + len(rows)


# Measuring -------------------------------------------------------------------------------------


def prepare(url: str, data_dir: Path, scale: float | None) -> dict[str, int]:
    engine = make_engine(url)
    upgrade(engine)
    actor = system_actor("bench")
    made: dict[str, int] = {}
    with make_session_factory(engine, keys=KEYS)() as session:
        demo.seed_demo(session, actor, today=TODAY)
        session.commit()
        # Both databases hold the deadlines a first tick derives from their registers.
        deadlines.sync(session, as_of=TODAY)
        session.commit()
        if scale is not None:
            started = time.perf_counter()
            made = fill(session, actor, scale)
            made["seconds"] = round(time.perf_counter() - started)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return made


def make_app(url: str, data_dir: Path) -> Flask:
    settings = Settings(
        database_url=url,
        secret_key=uuid.uuid4().hex * 2,
        data_dir=data_dir,
        audit_key=AUDIT_KEY,
    )
    app = create_app(settings)
    app.config["DOCUMENT_JOB_WORKER"] = False
    return app


def logged_in(app: Flask) -> tuple[FlaskClient, dict[str, str]]:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        "/login",
        data={"email": PROJECT_GROUP, "password": demo.DEMO_PASSWORD, "csrf_token": token[1]},
    )
    assert response.status_code == 302, response.status_code
    with sessions(app)() as session:
        api = accounts.create_api_token(
            session, system_actor("bench"), email=PROJECT_GROUP, scope="read", now=NOW
        )
        session.commit()
    return client, {"Authorization": f"Bearer {api}"}


def measure_pages(apps: dict[str, Flask]) -> dict[str, dict[str, tuple[float, int]]]:
    """Median time and size of each page on each database. The two databases take turns,
    request by request, so that a busy moment of a shared machine weighs on both alike."""
    clients = {which: logged_in(app) for which, app in apps.items()}
    found: dict[str, dict[str, tuple[float, int]]] = {which: {} for which in apps}
    for name, path in PAGES.items():
        runs: dict[str, list[float]] = {which: [] for which in apps}
        sizes: dict[str, int] = {}
        for which, (client, headers) in clients.items():
            extra = headers if path.startswith("/api/") else {}
            sizes[which] = len(client.get(path, headers=extra).get_data())  # warm
        for _ in range(REPEATS):
            for which, (client, headers) in clients.items():
                extra = headers if path.startswith("/api/") else {}
                started = time.perf_counter()
                response = client.get(path, headers=extra)
                runs[which].append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
        for which in apps:
            found[which][name] = (statistics.median(runs[which]), sizes[which])
    return found


def _ticks(url: str, data_dir: str, now: datetime, go: Any, answers: Any) -> None:
    """The scheduler's own process, as ``besluitwerk run-scheduler`` is in production: a tick
    that catches up, then (once the parent's cheap requests run) three measured ticks. Answers
    ``("ready", None)``, then ``("runs", seconds)``; or ``("failed", traceback)``."""
    try:
        app = make_app(url, Path(data_dir))
        factory = sessions(app)
        try:
            reminders.tick(factory, now=now, mailer=None)
            answers.put(("ready", None))
            go.wait()
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                reminders.tick(factory, now=now, mailer=None)
                runs.append(time.perf_counter() - started)
            answers.put(("runs", runs))
        finally:
            app.extensions["besluitwerk.engine"].dispose()
    except BaseException:
        answers.put(("failed", traceback.format_exc()))
        raise


def _answer(answers: Any, scheduler: Any, expected: str) -> Any:
    """The scheduler process's next answer; its error, or a word that it died, instead of a
    wait without end."""
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        try:
            kind, value = answers.get(timeout=5)
        except queue.Empty:
            if scheduler.exitcode is not None:
                raise RuntimeError(f"the scheduler process ended ({scheduler.exitcode})") from None
            continue
        if kind == "failed":
            raise RuntimeError(f"the scheduler process failed:\n{value}")
        if kind != expected:
            raise RuntimeError(f"the scheduler process answered {kind}, not {expected}")
        return value
    raise RuntimeError(f"no {expected} from the scheduler process in 30 minutes")


def measure_tick(app: Flask, url: str, data_dir: Path) -> tuple[float, float]:
    """A scheduler tick (after a first one that catches up), in a process of its own, and the
    longest wait of a cheap database request (an API token lookup on /api/v1/organisations)
    made meanwhile by this process.

    The scheduler never runs inside the web app (docs/architecture.md §4). A tick in a thread
    beside the cheap requests would share their interpreter lock: its hundreds of short
    database calls each wait for the lock back, which made a 0.2 s tick take 5.5 s."""
    # The client's API token is an audited change, which moves the registers version: made
    # before the catch-up tick, so that the ticks measured are repeated ones.
    client, headers = logged_in(app)
    # The first request of a new client pays once for what every later one finds ready (the
    # token's first use, the app's first API answer): measured during a tick it would count as
    # a wait the tick did not cause (about 200 ms on the demo as well).
    client.get("/api/v1/organisations?limit=1", headers=headers)
    context = multiprocessing.get_context("spawn")
    go, answers = context.Event(), context.Queue()
    scheduler = context.Process(
        target=_ticks, args=(url, str(data_dir), NOW, go, answers), daemon=True
    )
    scheduler.start()
    try:
        _answer(answers, scheduler, "ready")
        return _measure_waits(client, headers, go, answers, scheduler)
    finally:
        scheduler.join(timeout=60)
        if scheduler.is_alive():
            scheduler.kill()


def _measure_waits(
    client: FlaskClient, headers: dict[str, str], go: Any, answers: Any, scheduler: Any
) -> tuple[float, float]:
    """Cheap requests in a thread of this process while the scheduler process ticks: the
    median tick and the longest wait."""
    waits: list[float] = []
    stop = threading.Event()

    def cheap() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            client.get("/api/v1/organisations?limit=1", headers=headers)
            waits.append(time.perf_counter() - started)

    # A full collection of this process's heap (both apps and what the fill left) takes about
    # 150 ms: a pause of the bench, not a wait the tick causes, so none runs while it measures.
    gc.collect()
    gc.disable()
    worker = threading.Thread(target=cheap)
    worker.start()
    try:
        go.set()
        runs = _answer(answers, scheduler, "runs")
    finally:
        stop.set()
        worker.join()
        gc.enable()
    return statistics.median(runs), max(waits) if waits else 0.0


def run(label: str, urls: dict[str, str], folder: Path, scale: float) -> None:
    ticks: dict[str, tuple[float, float]] = {}
    apps: dict[str, Flask] = {}
    for which, url in urls.items():
        made = prepare(url, folder / f"data-{which}", scale if which == "scaled" else None)
        if made:
            print(f"FILLED {label} " + " ".join(f"{k}={v}" for k, v in made.items()), flush=True)
        apps[which] = make_app(url, folder / f"data-{which}")
    try:
        results = measure_pages(apps)
        for which, app in apps.items():
            ticks[which] = measure_tick(app, urls[which], folder / f"data-{which}")
    finally:
        for app in apps.values():
            app.extensions["besluitwerk.engine"].dispose()
    suffix = "" if label == "sqlite" else f"_{label}"
    for name in PAGES:
        (small, small_size), (large, large_size) = results["demo"][name], results["scaled"][name]
        print(
            f"TIME {name}{suffix} demo={small * 1000:.1f}ms scaled={large * 1000:.1f}ms "
            f"bytes demo={small_size} scaled={large_size}"
        )
        print(f"RATIO page_scaled_vs_demo_{name}{suffix} {large / small:.2f}")
    (small_tick, _), (large_tick, wait) = ticks["demo"], ticks["scaled"]
    print(f"TIME tick{suffix} demo={small_tick * 1000:.1f}ms scaled={large_tick * 1000:.1f}ms")
    print(f"RATIO tick_scaled_vs_demo{suffix} {large_tick / small_tick:.2f}")
    print(f"WAIT tick_cheap_ms{suffix} {wait * 1000:.0f}")
    sys.stdout.flush()


def postgres_urls(base: str) -> tuple[dict[str, str], list[str]]:
    urls, schemas = {}, []
    admin = make_engine(base)
    for which in ("demo", "scaled"):
        schema = f"bw_scale_{which}_{uuid.uuid4().hex[:6]}"
        with admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        urls[which] = url.render_as_string(hide_password=False)
    admin.dispose()
    return urls, schemas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the volumes (0.1)")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if not options.no_sqlite:
            urls = {w: f"sqlite:///{folder / f'{w}.sqlite3'}" for w in ("demo", "scaled")}
            run("sqlite", urls, folder, options.scale)
        if options.postgres:
            urls, schemas = postgres_urls(options.postgres)
            try:
                run("postgresql", urls, folder, options.scale)
            finally:
                admin = make_engine(options.postgres)
                with admin.begin() as connection:
                    for schema in schemas:
                        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()


if __name__ == "__main__":
    main()
