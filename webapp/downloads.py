"""Sending files to the browser safely (docs/security.md S10): always as an attachment, under a
sanitised name, with a content type chosen by the server and no caching."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10))}
_RESERVED |= {f"LPT{i}" for i in range(1, 10)}


def safe_filename(name: str, *, default: str = "download") -> str:
    """An ASCII file name without paths, quotes or reserved device names."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE.sub("_", base).strip("._") or default
    stem, dot, extension = base.partition(".")
    if stem.upper() in _RESERVED:
        stem = f"_{stem}"
    return (stem + dot + extension)[:120]


def attachment(content: bytes, *, filename: str, content_type: str) -> Response:
    name = safe_filename(filename)
    response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
