"""Production mode (docs/security.md S23, S22): ``besluitwerk serve`` refuses without a real
secret key and trusted hosts, and runs the app under gunicorn with several workers."""

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner

from storage.database import make_engine
from storage.migrate import upgrade
from tests.support.smtp import free_port
from webapp.cli import cli


def test_s23_serve_refuses_to_start_without_a_real_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("BESLUITWERK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("TRUSTED_HOSTS", "besluitwerk.example")
    result = CliRunner().invoke(cli, ["serve", "--dry-run"])
    assert result.exit_code == 1 and "SECRET_KEY ontbreekt" in result.output
    monkeypatch.setenv("SECRET_KEY", "changeme")
    assert CliRunner().invoke(cli, ["serve", "--dry-run"]).exit_code == 1


def test_serve_runs_gunicorn_with_the_given_workers(monkeypatch, tmp_path):
    monkeypatch.setenv("BESLUITWERK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "q7Vd2-LmX9pR4tKz8WbN3yHc6JfE1sGa5UoQ0iTe")
    monkeypatch.setenv("AUDIT_KEY", "Zr4-Ue8qW2nB6xLk9TsV1hPd5mYc3GfJ7oAi0NwE")
    monkeypatch.setenv("TRUSTED_HOSTS", "besluitwerk.example")
    result = CliRunner().invoke(cli, ["serve", "--dry-run", "--workers", "3"])
    assert result.exit_code == 0
    assert "gunicorn --workers 3 --bind 127.0.0.1:8000" in result.output
    assert "webapp.wsgi:app" in result.output


@dataclass
class _Gunicorn:
    port: int
    process: subprocess.Popen[str]
    output: str = ""

    def get(self, path: str) -> tuple[int, Any, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, ""


@contextlib.contextmanager
def _gunicorn(tmp_path, *options: str) -> Iterator[_Gunicorn]:
    """The production app (webapp.wsgi) under gunicorn on a free loopback port, answering."""
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "BESLUITWERK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "q7Vd2-LmX9pR4tKz8WbN3yHc6JfE1sGa5UoQ0iTe",
        "AUDIT_KEY": "Zr4-Ue8qW2nB6xLk9TsV1hPd5mYc3GfJ7oAi0NwE",
        "TRUSTED_HOSTS": "127.0.0.1",
    }
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *options]
    process = subprocess.Popen(
        [*command, "webapp.wsgi:app"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = _Gunicorn(port, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.get("/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        server.output, _ = process.communicate(timeout=30)


def test_s22_gunicorn_serves_the_app_with_its_security_headers(tmp_path):
    with _gunicorn(tmp_path, "--workers", "2") as server:
        status, headers, body = server.get("/login")
    assert status == 200 and "Inloggen" in body
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_serve_logs_json_lines_in_production_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.setenv("BESLUITWERK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "q7Vd2-LmX9pR4tKz8WbN3yHc6JfE1sGa5UoQ0iTe")
    monkeypatch.setenv("AUDIT_KEY", "Zr4-Ue8qW2nB6xLk9TsV1hPd5mYc3GfJ7oAi0NwE")
    monkeypatch.setenv("TRUSTED_HOSTS", "besluitwerk.example")
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--dry-run"])
    assert "--logger-class webapp.serve_logging.JsonLinesLogger" in result.output
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert "--logger-class" not in CliRunner().invoke(cli, ["serve", "--dry-run"]).output


def test_s26_gunicorn_writes_its_own_and_the_access_lines_as_json_without_calendar_tokens(
    tmp_path,
):
    token = "Z2VoZWltLWFnZW5kYS10b2tlbi0xMjM0NTY3ODkw"
    logger_class = "webapp.serve_logging.JsonLinesLogger"
    options = ("--workers", "1", "--access-logfile", "-", "--logger-class", logger_class)
    with _gunicorn(tmp_path, *options) as server:
        assert server.get("/login")[0] == 200
        assert server.get(f"/calendar/{token}.ics")[0] == 404
    output = server.output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line["logger"] == "gunicorn.error" for line in lines), output
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert any("GET /login" in line["message"] for line in access), output
    assert any("/calendar/….ics" in line["message"] for line in access), output
    assert token not in output
