"""Benchmark: the scheduler's tick at scale, incremental against full, and what a cheap read
waits while a tick runs (SQLite).

Fills the Twente demo with 150 more arrangements (each with its phases and municipalities, so
each has its signals and deadlines), then times:

- a full tick: a new day, every arrangement derived again (``TIME tick_full``);
- a tick after one arrangement changed (``TIME tick_incremental``) and one after nothing
  changed (``TIME tick_unchanged``), each the median of a few;
- ``RATIO tick_incremental_vs_full`` (aim: far below 1; 0.1 or less);
- the longest wait of a cheap API read (``GET /api/v1/organisations``) while full ticks run
  in another process: ``FIGURE cheap_read_longest_wait_during_tick_ms`` (aim: at most 100 ms),
  next to the longest wait of the same read without a tick
  (``FIGURE cheap_read_longest_wait_without_tick_ms``) and while another process holds the
  write lock for three seconds (``FIGURE cheap_read_longest_wait_during_write_lock_ms``;
  before reads began deferred, that was the three seconds). On a machine whose cores are
  busy, the wait during a tick is mostly the tick's turn at the processor.

Run from the repository root without arguments:

    .venv/bin/python bench/tick.py
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from storage.arrangements import Arrangement
from storage.database import make_engine, make_session_factory
from storage.keys import Keys
from storage.migrate import upgrade
from storage.organisations import Organisation
from webapp import clock
from webapp.app import create_app
from webapp.config import Settings
from webapp.database import sessions
from workflows.accounts import accounts
from workflows.actors import system_actor
from workflows.deadlines import reminders
from workflows.demo import demo
from workflows.registers import arrangements

AUDIT_KEY = "bench-audit-key-" + "k" * 40
ACTOR = system_actor("bench")
EXTRA_ARRANGEMENTS = 150
DAY = date(2026, 3, 2)
REPEATS = 5


def _now(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


def fill(app) -> None:  # type: ignore[no-untyped-def]
    with sessions(app)() as session:
        demo.seed_demo(session, ACTOR, today=DAY)
        session.commit()
        municipalities = session.scalars(
            select(Organisation.id)
            .where(Organisation.kind == "municipality")
            .order_by(Organisation.id)
        ).all()
        for n in range(EXTRA_ARRANGEMENTS):
            lead = municipalities[n % len(municipalities)]
            taking_part = {lead} | {
                municipalities[(n + k) % len(municipalities)] for k in (1, 3, 5, 7)
            }
            arrangement = arrangements.create(
                session,
                ACTOR,
                {
                    "name": f"Regeling {n:03d}",
                    "lead_organisation_id": lead,
                    "participant_ids": sorted(taking_part),
                    "successor_kind": "tender",
                    "successor_start_on": f"{2029 + n % 4}-01-01",
                },
            )
            start = 2024 + n % 3
            arrangements.add_phase(
                session,
                ACTOR,
                arrangement.id,
                {"kind": "pilot", "start_on": f"{start}-01-01", "end_on": f"{start + 1}-12-31"},
            )
            arrangements.add_phase(
                session,
                ACTOR,
                arrangement.id,
                {
                    "kind": "structural",
                    "start_on": f"{start + 2}-01-01",
                    "end_on": f"{start + 4}-12-31",
                },
            )
            if n % 25 == 24:
                session.commit()
        session.commit()


def tick(app, day: date) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    reminders.tick(sessions(app), now=_now(day), mailer=None)
    return time.perf_counter() - started


def change_one(app, n: int) -> None:  # type: ignore[no-untyped-def]
    with sessions(app)() as session:
        arrangement = session.scalars(
            select(Arrangement).where(Arrangement.name.like("Regeling%")).order_by(Arrangement.id)
        ).first()
        assert arrangement is not None
        arrangements.update(
            session,
            ACTOR,
            arrangement.id,
            {"tender_lead_months": str(9 + n % 3)},
            expected_version=arrangement.version,
            partial=True,
        )
        session.commit()


def longest_wait(app, headers: dict[str, str], stop: threading.Event) -> float:  # type: ignore[no-untyped-def]
    client = app.test_client()
    longest = 0.0
    while not stop.is_set():
        started = time.perf_counter()
        response = client.get("/api/v1/organisations?limit=1", headers=headers)
        assert response.status_code == 200, response.status_code
        longest = max(longest, time.perf_counter() - started)
        time.sleep(0.005)
    return longest


def _ticks(url: str, after: date, count: int) -> None:
    """Full ticks (each on a new day), in a process of its own."""
    factory = make_session_factory(make_engine(url), keys=Keys.derive(AUDIT_KEY))
    for i in range(count):
        reminders.tick(factory, now=_now(after + timedelta(days=1 + i)), mailer=None)


def _holds_the_write_lock(url: str, _after: date, count: int) -> None:
    """A write transaction held open as long as ``count`` seconds, in a process of its own:
    what a slow import or a long tick did to every request before reads began deferred."""
    connection = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE organisations SET name = name WHERE id = 1")
    time.sleep(count)
    connection.execute("ROLLBACK")
    connection.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'tick.sqlite3'}"
        upgrade(make_engine(url))
        app = create_app(
            Settings(
                database_url=url,
                secret_key="bench-secret-" + "x" * 40,
                data_dir=Path(folder) / "data",
                audit_key=AUDIT_KEY,
            )
        )
        app.config["DOCUMENT_JOB_WORKER"] = False
        fill(app)
        tick(app, DAY)  # the first tick makes every deadline
        full = [tick(app, DAY + timedelta(days=1 + i)) for i in range(REPEATS)]
        last_day = DAY + timedelta(days=REPEATS)
        incremental = []
        for n in range(REPEATS):
            change_one(app, n)
            incremental.append(tick(app, last_day))
        unchanged = [tick(app, last_day) for _ in range(REPEATS)]
        full_s, incremental_s = statistics.median(full), statistics.median(incremental)
        print(f"TIME tick_full {full_s:.4f}")
        print(f"TIME tick_incremental {incremental_s:.4f}")
        print(f"TIME tick_unchanged {statistics.median(unchanged):.4f}")
        print(f"RATIO tick_incremental_vs_full {incremental_s / full_s:.3f}")

        with sessions(app)() as session:
            token = accounts.create_api_token(
                session, ACTOR, email="beleid@enschede.example", scope="read", now=clock.now()
            )
            session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        app.test_client().get("/api/v1/organisations?limit=1", headers=headers)  # first use
        result: dict[str, float] = {}
        # The ticks run in a process of their own, as the scheduler does: in this one they
        # would take the reader's turn at the interpreter, which no lock has to do with.
        spawn = multiprocessing.get_context("spawn")
        for label, other in (
            ("without_tick", None),
            ("during_write_lock", _holds_the_write_lock),
            ("during_tick", _ticks),
        ):
            stop = threading.Event()
            reader = threading.Thread(
                target=lambda label=label, stop=stop: result.update(
                    {label: longest_wait(app, headers, stop)}
                )
            )
            reader.start()
            if other is None:
                time.sleep(max(full) * 3)
            else:
                process = spawn.Process(target=other, args=(url, last_day, 3))
                process.start()
                process.join()
            stop.set()
            reader.join()
            print(f"FIGURE cheap_read_longest_wait_{label}_ms {result[label] * 1000:.1f}")
        app.extensions["besluitwerk.engine"].dispose()


if __name__ == "__main__":
    main()
