"""Benchmark: the dashboard under load, side by side with the health check on the same server.

gunicorn runs the production app (``webapp.wsgi``) with 4 workers on loopback, on SQLite and,
with TEST_DATABASE_URL set, on PostgreSQL (a schema of its own). The demo data is seeded; every
client logs in as a policy officer. For a fixed time each, in turns, the clients ask the health
check (no database) and the start page (signals, deadlines and notifications from the
database). Prints requests per second and p95 latency of both, the number of 5xx answers, and
`RATIO dashboard_vs_health <v>` (aim: at least 0.3; `…_postgresql` for PostgreSQL).

Bounded: about a minute per database. Run from the repository root without arguments:

    .venv/bin/python bench/web.py
"""

from __future__ import annotations

import http.client
import os
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
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from workflows import demo
from workflows.actors import system_actor

WORKERS = 4
CLIENTS = 8
SECONDS = 8
ROUNDS = 2
OFFICER = "beleid@enschede.example"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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
            return response.status, text
        finally:
            connection.close()

    def log_in(self) -> None:
        _, page = self.request("GET", "/login")
        token = _CSRF.search(page)
        if token is None:
            raise RuntimeError("geen CSRF-token op de inlogpagina")
        form = urllib.parse.urlencode(
            {"email": OFFICER, "password": demo.DEMO_PASSWORD, "csrf_token": token.group(1)}
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


def prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        demo.seed_demo(session, system_actor("bench"), today=date.today())
        session.commit()
    engine.dispose()


def serve(url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BESLUITWERK_DATA_DIR": str(data_dir),
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "TRUSTED_HOSTS": "127.0.0.1",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS)]
    command += ["--bind", f"127.0.0.1:{port}", "webapp.wsgi:app"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
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


def measure(label: str, url: str, data_dir: Path) -> None:
    prepare(url)
    server, port = serve(url, data_dir)
    try:
        clients = [Client(port) for _ in range(CLIENTS)]
        for client in clients:
            client.log_in()
        hammer(clients, "/", 2)  # warm up every worker's engine and templates
        health, dashboard = [], []
        for _ in range(ROUNDS):  # in turns, so that drift hits both alike
            health.append(hammer(clients, "/health", SECONDS))
            dashboard.append(hammer(clients, "/", SECONDS))
    finally:
        server.terminate()
        server.wait(timeout=30)
    health_rps = statistics.mean(h[0] for h in health)
    dashboard_rps = statistics.mean(d[0] for d in dashboard)
    suffix = "" if label == "sqlite" else f"_{label}"
    print(f"RPS health{suffix} {health_rps:.1f}")
    print(f"RPS dashboard{suffix} {dashboard_rps:.1f}")
    print(f"P95_MS health{suffix} {max(h[1] for h in health):.1f}")
    print(f"P95_MS dashboard{suffix} {max(d[1] for d in dashboard):.1f}")
    print(f"ERRORS_5XX{suffix} {sum(h[2] for h in health) + sum(d[2] for d in dashboard)}")
    print(f"RATIO dashboard_vs_health{suffix} {dashboard_rps / health_rps:.3f}")


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
