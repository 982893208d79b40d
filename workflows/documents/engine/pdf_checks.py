"""S8: checking a PDF a provider uploads (the signed agreement) before we keep it; S9: the
sanitised copy that is handed out instead of it.

Only cheap byte checks happen in this process; the PDF is parsed, and its sanitised copy made,
by ``workflows.documents.engine.pdf_probe`` in a child process with time and memory limits, so
a hostile file can at worst waste that child.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from workflows.documents.engine.child_process import ChildFailed, run_limited
from workflows.errors import WorkflowError

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 500
PROBE_MODULE = "workflows.documents.engine.pdf_probe"
PROBE_SECONDS = 10.0
PROBE_MEMORY_MB = 512

_PDF_MAGIC = b"%PDF-"
# Readers look for the end marker in the last 1024 bytes (PDF 32000-1, annex H).
_EOF_WINDOW = 1024
_TITLE_LIMIT = 200
# C0 and C1 controls and lone surrogates may come from a hostile /Title; they end up in HTML,
# logs and file names.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

_MESSAGES = {
    "empty": "Het bestand is leeg.",
    "not_pdf": (
        "Dit is geen PDF-bestand: het begint niet met de kenmerken van een PDF. "
        "Sla het document op als PDF en upload het opnieuw."
    ),
    "no_eof": (
        "Het PDF-bestand is onvolledig: het einde van het bestand ontbreekt. "
        "Upload het volledige bestand opnieuw."
    ),
    "encrypted": (
        "Het PDF-bestand is beveiligd met een wachtwoord; sla het op zonder beveiliging "
        "en upload het opnieuw."
    ),
    "damaged": (
        "Het PDF-bestand is beschadigd of volgt de PDF-standaard niet. "
        "Sla het document opnieuw op als PDF en upload het nogmaals."
    ),
    "unsafe": "Het PDF-bestand kon niet veilig worden gelezen (te zwaar of beschadigd).",
}


class PdfRefused(WorkflowError):
    """The upload is not accepted; ``message`` says why in Dutch, ``reason`` is a stable code
    for logs and tests (``empty``, ``too_large``, ``not_pdf``, ``no_eof``, ``encrypted``,
    ``too_many_pages``, ``damaged``, ``unsafe``)."""

    code = "pdf_refused"

    def __init__(self, message: str, *, reason: str = "damaged") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PdfReport:
    """An accepted upload: its pages, the sha256 of the upload itself and its title, and
    ``clean``, the same PDF without scripts, automatic or launch actions, embedded files or
    XFA forms (S9), to hand out in its place."""

    pages: int
    sha256: str
    title: str | None = None
    clean: bytes = field(default=b"", repr=False)


def check_pdf(
    content: bytes, *, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES
) -> PdfReport:
    """Accept ``content`` as a PDF upload or raise ``PdfRefused``."""
    if not content:
        raise _refused("empty")
    if len(content) > max_bytes:
        raise PdfRefused(
            f"Het bestand is groter dan {_megabytes(max_bytes)} MB; "
            "upload een kleiner PDF-bestand.",
            reason="too_large",
        )
    # Anything before the header (an HTML page, a script) makes a polyglot that a browser or
    # another program may read as something else.
    if not content.startswith(_PDF_MAGIC):
        raise _refused("not_pdf")
    if b"%%EOF" not in content[-_EOF_WINDOW:]:
        raise _refused("no_eof")
    verdict, clean = _probe(content, max_pages)
    problem = verdict.get("problem")
    if problem == "too_many_pages":
        raise PdfRefused(
            f"Het PDF-bestand heeft meer dan {max_pages} pagina's; "
            "upload alleen het ondertekende document.",
            reason="too_many_pages",
        )
    if problem == "too_heavy":
        raise _refused("unsafe")
    if problem in ("encrypted", "damaged"):
        raise _refused(str(problem))
    pages = verdict.get("pages")
    title = verdict.get("title")
    if (
        problem is not None
        or not isinstance(pages, int)
        or isinstance(pages, bool)
        or not 0 < pages <= max_pages
        or not (title is None or isinstance(title, str))
        or not clean.startswith(_PDF_MAGIC)
    ):
        raise _refused("unsafe")
    return PdfReport(
        pages=pages,
        sha256=hashlib.sha256(content).hexdigest(),
        title=_clean_title(title),
        clean=clean,
    )


def _probe(content: bytes, max_pages: int) -> tuple[dict[str, object], bytes]:
    try:
        answer = run_limited(
            PROBE_MODULE,
            content,
            seconds=PROBE_SECONDS,
            memory_mb=PROBE_MEMORY_MB,
            args=[str(max_pages)],
        )
    except ChildFailed as failure:
        raise _refused("unsafe") from failure
    line, _, clean = answer.partition(b"\n")
    try:
        verdict = json.loads(line)
    except ValueError as error:
        raise _refused("unsafe") from error
    if not isinstance(verdict, dict):
        raise _refused("unsafe")
    return verdict, clean


def _refused(reason: str) -> PdfRefused:
    return PdfRefused(_MESSAGES[reason], reason=reason)


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    if megabytes == int(megabytes):
        return str(int(megabytes))
    return f"{megabytes:.1f}".replace(".", ",")


def _clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    cleaned = " ".join(_UNPRINTABLE.sub(" ", title).split())[:_TITLE_LIMIT]
    return cleaned or None
