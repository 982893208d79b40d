"""Benchmark: the reminder sweep with 10 000 and with 100 000 open deadlines.

The sweep should touch what is due, not everything: in both runs the same 200 deadlines are
due, so the time should hardly grow with the number of open deadlines. Prints the time of each
run and `RATIO sweep_100k_vs_10k <v>` (SQLite; aim: at most 2), and with TEST_DATABASE_URL set
also `RATIO sweep_100k_vs_10k_postgresql <v>`. Run from the repository root without arguments:

    .venv/bin/python bench/sweep.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from storage.accounts import User
from storage.database import make_engine, make_session_factory
from storage.deadlines import Deadline
from storage.keys import Keys
from storage.migrate import upgrade
from storage.organisations import Organisation
from workflows.deadlines import reminders

# Audit events need the key kept outside the database (S25); any key will do here.
KEYS = Keys.derive("bench-" + "k" * 40)

DUE = 200
NOW = datetime(2026, 6, 16, 7, 0, tzinfo=UTC)
TODAY = date(2026, 6, 16)
REPEATS = 5


def fill(url: str, total: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine, keys=KEYS)
    with factory() as session, session.begin():
        organisation = Organisation(kind="municipality", name="Benchdorp", recess_weeks=[])
        session.add(organisation)
        session.flush()
        user = User(
            email="bench@benchdorp.example",
            name="Bench",
            role="legal_officer",
            organisation_id=organisation.id,
            password_hash="!",  # noqa: S106 - no password: this account cannot log in
        )
        session.add(user)
        session.flush()
        rows = []
        for i in range(total):
            due_now = i < DUE
            due_on = TODAY + timedelta(days=14 if due_now else 400 + i % 300)
            rows.append(
                {
                    "key": f"bench|{i}",
                    "kind": "manual",
                    "subject": f"Termijn {i}",
                    "explanation": "",
                    "due_on": due_on,
                    "owner_id": user.id,
                    "status": "open",
                    "status_reason": "",
                    "source": "manual",
                    "deadline_version": 1,
                    "next_stage_on": due_on - timedelta(days=14),
                    "created_at": NOW,
                    "updated_at": NOW,
                    "version": 1,
                }
            )
            if len(rows) == 5000:
                session.execute(insert(Deadline), rows)
                rows = []
        if rows:
            session.execute(insert(Deadline), rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def time_sweep(url: str) -> float:
    engine = make_engine(url)
    factory = make_session_factory(engine, keys=KEYS)
    timings = []
    for _ in range(REPEATS):
        with factory() as session:
            session.begin()
            started = time.perf_counter()
            result = reminders.sweep(session, now=NOW)
            session.flush()
            timings.append(time.perf_counter() - started)
            assert result.deadlines == DUE, result
            session.rollback()  # the same work again next round
    engine.dispose()
    return statistics.median(timings)


def sqlite_urls(folder: Path) -> dict[int, str]:
    return {n: f"sqlite:///{folder / f'sweep-{n}.sqlite3'}" for n in (10_000, 100_000)}


def postgres_urls(base: str) -> tuple[dict[int, str], list[str]]:
    urls, schemas = {}, []
    admin = make_engine(base)
    for n in (10_000, 100_000):
        schema = f"bw_bench_{n}_{uuid.uuid4().hex[:6]}"
        with admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        urls[n] = url.render_as_string(hide_password=False)
    admin.dispose()
    return urls, schemas


def measure(label: str, urls: dict[int, str]) -> float:
    for n, url in urls.items():
        fill(url, n)
    small, large = time_sweep(urls[10_000]), time_sweep(urls[100_000])
    print(f"TIME sweep_10k_{label} {small:.4f}")
    print(f"TIME sweep_100k_{label} {large:.4f}")
    return large / small


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        ratio = measure("sqlite", sqlite_urls(Path(folder)))
        print(f"RATIO sweep_100k_vs_10k {ratio:.3f}")
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        urls, schemas = postgres_urls(base)
        try:
            ratio = measure("postgresql", urls)
            print(f"RATIO sweep_100k_vs_10k_postgresql {ratio:.3f}")
        finally:
            admin = make_engine(base)
            with admin.begin() as connection:
                for schema in schemas:
                    connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
