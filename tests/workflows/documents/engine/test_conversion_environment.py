"""LibreOffice gets what it needs from our environment and none of our secrets (S26, S31)."""

from __future__ import annotations

import subprocess

import pytest

from workflows.documents.engine import conversion


def test_s31_soffice_is_started_without_the_keys_database_url_or_smtp_password(monkeypatch):
    for name, value in {
        "SECRET_KEY": "geheim-1",
        "AUDIT_KEY": "geheim-2",
        "DATABASE_URL": "postgresql+psycopg://besluitwerk:wachtwoord@db/besluitwerk",
        "SMTP_PASSWORD": "geheim-3",
        "PATH": "/usr/bin:/bin",
    }.items():
        monkeypatch.setenv(name, value)
    seen: dict[str, str] = {}

    def run(command, **options):
        seen.update(options["env"])
        raise subprocess.TimeoutExpired(command, 0)

    monkeypatch.setattr(conversion, "soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(subprocess, "run", run)
    with pytest.raises(conversion.ConversionFailed):
        conversion.to_pdf([b"PK"])
    assert seen["PATH"] == "/usr/bin:/bin" and seen["HOME"]
    assert not {"SECRET_KEY", "AUDIT_KEY", "DATABASE_URL", "SMTP_PASSWORD"} & seen.keys()
