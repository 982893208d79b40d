"""Application logging that cannot be forged or leak secrets (SECURITY.md S26).

User-supplied strings go through ``safe()``: CR, LF and other control characters are written as
escapes, so a crafted e-mail address cannot start a fake log line. Passwords, tokens and
document contents are never passed to the logger at all.
"""

from __future__ import annotations

import logging
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


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger("besluitwerk")
    if any(getattr(h, "_besluitwerk", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler._besluitwerk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
