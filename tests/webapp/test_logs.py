"""Structured log lines (LOG_FORMAT=json, the production default): one JSON object a line that
no user string can end or forge, with the request it belongs to, and no secrets (S26)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from storage.accounts import User
from tests.conftest import POLICY, login, make_settings
from webapp.app import create_app
from webapp.config import ConfigurationError, load_settings
from webapp.database import sessions
from webapp.logs import configure_logging
from workflows.accounts.accounts import UNRECOGNISED_LOGIN_NAME


@pytest.fixture
def json_app(database_url, tmp_path) -> Iterator[Flask]:
    app = create_app(make_settings(database_url, tmp_path / "data", log_format="json"))
    app.config["DOCUMENT_JOB_WORKER"] = False
    yield app
    app.extensions["besluitwerk.engine"].dispose()
    configure_logging(log_format="text")  # as the other tests' apps log


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    handler = next(
        h for h in logging.getLogger("besluitwerk").handlers if hasattr(h, "_besluitwerk")
    )
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_s26_json_log_lines_are_one_object_each_and_carry_no_password(json_app, log_stream):
    client = json_app.test_client()
    login(client, 'eve@x.nl\r\n{"level": "INFO"}\u2028INFO ok', "Mijn-Geheime-Wachtwoord-1")
    raw = log_stream.getvalue()
    assert raw and "Mijn-Geheime-Wachtwoord-1" not in raw
    assert "\r" not in raw and "\u2028" not in raw
    lines = _lines(log_stream)  # every line parses on its own: nothing split it
    # No account and no e-mail address in one of our domains: the typed name may be a password,
    # so the line names it only by a marker (issue #14, S26).
    assert "eve@x.nl" not in raw
    failed = [line for line in lines if UNRECOGNISED_LOGIN_NAME in str(line["message"])]
    assert failed, lines
    line = failed[0]
    assert line["level"] == "WARNING" and str(line["logger"]).startswith("besluitwerk")
    assert line["method"] == "POST" and line["path"] == "/login" and line["address"]
    assert str(line["at"]).endswith("+00:00")


def test_s27_a_refused_authorization_logs_a_json_line_with_the_user(json_app, log_stream):
    client = json_app.test_client()
    login(client, POLICY)
    assert client.get("/gebruikers/").status_code == 403
    refused = [line for line in _lines(log_stream) if "access refused" in str(line["message"])]
    with sessions(json_app)() as session:
        user = session.scalars(select(User).where(User.email == POLICY)).one()
    assert refused and refused[-1]["user_id"] == user.id
    assert refused[-1]["path"] == "/gebruikers/" and refused[-1]["method"] == "GET"


def test_s26_json_log_lines_mask_a_calendar_token_in_path_and_message(json_app, log_stream):
    with json_app.test_request_context("/calendar/geheim-token-123.ics"):
        logging.getLogger("besluitwerk.test").warning(
            "unexpected error on GET %s", "/calendar/geheim-token-123.ics"
        )
    assert "geheim-token-123" not in log_stream.getvalue()
    line = _lines(log_stream)[-1]
    assert line["path"] == "/calendar/….ics"
    assert line["message"] == "unexpected error on GET /calendar/….ics"


def test_s26_json_log_lines_mask_a_password_reset_token(json_app, log_stream):
    path = "/gebruikers/nieuw-wachtwoord/geheim-token-456"
    with json_app.test_request_context(path):
        logging.getLogger("besluitwerk.test").warning("unexpected error on GET %s", path)
    assert "geheim-token-456" not in log_stream.getvalue()
    line = _lines(log_stream)[-1]
    assert line["path"] == "/gebruikers/nieuw-wachtwoord/…"


def test_s26_an_exception_stays_inside_its_json_line(json_app, log_stream):
    try:
        raise RuntimeError("regel een\nregel twee")
    except RuntimeError:
        logging.getLogger("besluitwerk.test").exception("mislukt")
    (line,) = _lines(log_stream)
    assert line["message"] == "mislukt" and "regel een\nregel twee" in str(line["exception"])


def test_production_logs_json_by_default_and_an_unknown_format_is_refused(tmp_path):
    base = {
        "SECRET_KEY": "q7Vd2-LmX9pR4tKz8WbN3yHc6JfE1sGa5UoQ0iTe",
        "AUDIT_KEY": "Zr4-Ue8qW2nB6xLk9TsV1hPd5mYc3GfJ7oAi0NwE",
        "TRUSTED_HOSTS": "besluitwerk.example",
    }
    base["BESLUITWERK_DATA_DIR"] = str(tmp_path)
    assert load_settings(base, production=True).log_format == "json"
    assert load_settings(base).log_format == "text"
    assert load_settings({**base, "LOG_FORMAT": "text"}, production=True).log_format == "text"
    with pytest.raises(ConfigurationError, match="LOG_FORMAT 'xml' is onbekend"):
        load_settings({**base, "LOG_FORMAT": "xml"})
