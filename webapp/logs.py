"""Application logging that cannot be forged or leak secrets (docs/security.md S26).

User-supplied strings go through ``safe()``: CR, LF and other control characters are written as
escapes, so a crafted e-mail address cannot start a fake log line. Passwords, tokens and
document contents are never passed to the logger at all.

Two formats (``LOG_FORMAT``): ``json`` — one JSON object a line with the time in UTC, level,
logger, message and, within a request, its method, path, address and user id, for a log
collector or SIEM; the default in production — and ``text``, one readable line, the default in
development.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from flask import g, has_request_context, request

LOG_FORMATS = ("json", "text")

_MAX = 300


def safe(value: object) -> str:
    text = str(value)
    if len(text) > _MAX:
        text = text[:_MAX] + "…"
    return _escape(text)


def _escape(text: str) -> str:
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape", "backslashreplace").decode()
        for char in text
    )


class _OneLine(logging.Formatter):
    """Every record is one line, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return _escape(super().format(record))


class _JsonLines(logging.Formatter):
    """One JSON object a line; json escapes every control character, so no value can end it."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _escape(record.getMessage()),
        }
        if has_request_context():
            line["method"] = safe(request.method)
            line["path"] = hide_calendar_tokens(safe(request.path))
            line["address"] = safe(request.remote_addr or "-")
            actor = g.get("actor")
            if actor is not None:
                line["user_id"] = actor.user_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # json leaves U+2028/U+2029 as they are, and some log viewers break lines on them.
        text = json.dumps(line, ensure_ascii=False)
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


_CALENDAR_TOKEN = re.compile(r"(/calendar/)[^ /?\"]+(\.ics)")
# The one-time link to set a new password carries its token in the path too (S26).
_RESET_TOKEN = re.compile(r"(/gebruikers/nieuw-wachtwoord/)[^ /?\"]+")


def hide_calendar_tokens(text: str) -> str:
    """A calendar path holds its secret token (the credential of the feed): mask it."""
    return _RESET_TOKEN.sub(r"\1…", _CALENDAR_TOKEN.sub(r"\1…\2", text))


class _HideCalendarTokens(logging.Filter):
    """Request logs show the path, and a calendar path holds its secret token: mask it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_calendar_tokens(a) if isinstance(a, str) else a for a in record.args
            )
        elif isinstance(record.args, dict):  # gunicorn's access log passes a mapping
            record.args = {
                k: hide_calendar_tokens(v) if isinstance(v, str) else v
                for k, v in record.args.items()
            }
        record.msg = hide_calendar_tokens(str(record.msg))
        return True


def json_lines_formatter() -> logging.Formatter:
    return _JsonLines()


def mask_calendar_tokens(target: logging.Handler | logging.Logger) -> None:
    if not any(isinstance(f, _HideCalendarTokens) for f in target.filters):
        target.addFilter(_HideCalendarTokens())


def configure_logging(level: int = logging.INFO, *, log_format: str = "text") -> None:
    for name in ("werkzeug", "gunicorn.access"):
        mask_calendar_tokens(logging.getLogger(name))
    root = logging.getLogger("besluitwerk")
    formatter: logging.Formatter = (
        _JsonLines()
        if log_format == "json"
        else _OneLine("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    ours = [h for h in root.handlers if getattr(h, "_besluitwerk", False)]
    if ours:
        ours[0].setFormatter(formatter)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    # On the handler, so that it applies to every besluitwerk.* logger: "unexpected error on
    # GET /calendar/<token>.ics" would otherwise name the token.
    mask_calendar_tokens(handler)
    handler._besluitwerk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
