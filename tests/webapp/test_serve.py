"""Production mode (SECURITY.md S23, S22): ``besluitwerk serve`` refuses without a real
secret key and trusted hosts, and runs the app under gunicorn with several workers."""

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

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
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("TRUSTED_HOSTS", "besluitwerk.example")
    result = CliRunner().invoke(cli, ["serve", "--dry-run", "--workers", "3"])
    assert result.exit_code == 0
    assert "gunicorn --workers 3 --bind 127.0.0.1:8000" in result.output
    assert "webapp.wsgi:app" in result.output


def test_s22_gunicorn_serves_the_app_with_its_security_headers(tmp_path):
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "BESLUITWERK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "s" * 48,
        "TRUSTED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "webapp.wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/login", timeout=2
                ) as response:
                    headers = response.headers
                    body = response.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert "Inloggen" in body
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_logs_json_lines_in_production_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.setenv("BESLUITWERK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("TRUSTED_HOSTS", "besluitwerk.example")
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--dry-run"])
    assert "--logger-class webapp.serve_logging.JsonLinesLogger" in result.output
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert "--logger-class" not in CliRunner().invoke(cli, ["serve", "--dry-run"]).output


def test_s26_gunicorn_writes_its_own_and_the_access_lines_as_json_without_calendar_tokens(
    tmp_path,
):
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "BESLUITWERK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "s" * 48,
        "TRUSTED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--logger-class",
            "webapp.serve_logging.JsonLinesLogger",
            "webapp.wsgi:app",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    token = "Z2VoZWltLWFnZW5kYS10b2tlbi0xMjM0NTY3ODkw"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/calendar/{token}.ics", timeout=5)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line["logger"] == "gunicorn.error" for line in lines), output
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert any("GET /login" in line["message"] for line in access), output
    assert any("/calendar/….ics" in line["message"] for line in access), output
    assert token not in output
