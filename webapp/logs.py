"""Application logging that cannot be forged or leak secrets (SECURITY.md S26).

User-supplied strings go through ``safe()``: CR, LF and other control characters are written as
escapes, so a crafted e-mail address cannot start a fake log line. Passwords, tokens and
document contents are never passed to the logger at all.
"""

from __future__ import annotations

import logging
import re
import sys

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


_CALENDAR_TOKEN = re.compile(r"(/calendar/)[^ /?\"]+(\.ics)")


class _HideCalendarTokens(logging.Filter):
    """Request logs show the path, and a calendar path holds its secret token: mask it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _CALENDAR_TOKEN.sub(r"\1…\2", a) if isinstance(a, str) else a for a in record.args
            )
        elif isinstance(record.args, dict):  # gunicorn's access log passes a mapping
            record.args = {
                k: _CALENDAR_TOKEN.sub(r"\1…\2", v) if isinstance(v, str) else v
                for k, v in record.args.items()
            }
        record.msg = _CALENDAR_TOKEN.sub(r"\1…\2", str(record.msg))
        return True


def configure_logging(level: int = logging.INFO) -> None:
    for name in ("werkzeug", "gunicorn.access"):
        access = logging.getLogger(name)
        if not any(isinstance(f, _HideCalendarTokens) for f in access.filters):
            access.addFilter(_HideCalendarTokens())
    root = logging.getLogger("besluitwerk")
    if any(getattr(h, "_besluitwerk", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler._besluitwerk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
