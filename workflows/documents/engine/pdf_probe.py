"""Child side of the S8 upload check: ``python -m workflows.documents.engine.pdf_probe MAX_PAGES``.

Reads an untrusted PDF on stdin and writes a small JSON verdict on stdout, one line:
``{"pages": n, "title": ...}`` or ``{"problem": ..., "detail": ...}``. An accepted PDF's line
is followed by its sanitised copy (S9: no scripts, automatic or launch actions, embedded files),
made here as well, so that the web process never parses an uploaded PDF itself. It only runs in
a child process under ``child_process`` limits (see ``pdf_checks.check_pdf``).
"""

from __future__ import annotations

import json
import logging
import sys
from io import BytesIO

from pypdf import PdfReader
from pypdf.errors import DependencyError, LimitReachedError
from pypdf.generic import DictionaryObject

from workflows.documents.engine import bundles
from workflows.documents.engine.child_process import serve

ENCRYPTED = "encrypted"
TOO_MANY_PAGES = "too_many_pages"
DAMAGED = "damaged"
TOO_HEAVY = "too_heavy"

_DETAIL_LIMIT = 300


class _Repairs(logging.Handler):
    """pypdf logs a warning for every defect it works around instead of raising, even in strict
    mode (a circular ``/Prev`` chain, a rebuilt xref table, a misplaced ``%%EOF``). A signed
    agreement we keep as evidence must need no repairs, so each one counts as damage."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def probe(content: bytes, max_pages: int) -> dict[str, object]:
    repairs = _Repairs()
    pypdf_logger = logging.getLogger("pypdf")
    pypdf_logger.addHandler(repairs)
    pypdf_logger.propagate = False
    try:
        verdict = _read(content, max_pages)
    except MemoryError:
        raise
    except LimitReachedError as error:
        return {"problem": TOO_HEAVY, "detail": _detail(error)}
    except DependencyError as error:
        # Reading needs a crypto library only to decrypt.
        return {"problem": ENCRYPTED, "detail": _detail(error)}
    except Exception as error:
        # RecursionError, KeyError, PdfReadError, ...: whatever a malformed file provokes.
        return {"problem": DAMAGED, "detail": _detail(error)}
    finally:
        pypdf_logger.removeHandler(repairs)
    if repairs.messages and "problem" not in verdict:
        return {"problem": DAMAGED, "detail": repairs.messages[0][:_DETAIL_LIMIT]}
    return verdict


def _read(content: bytes, max_pages: int) -> dict[str, object]:
    reader = PdfReader(BytesIO(content), strict=True)
    if reader.is_encrypted:
        return {"problem": ENCRYPTED, "detail": ""}
    # A declared count over the limit is refused before the tree is walked; a /Count that lies
    # is caught by counting the pages themselves.
    pages_node = reader.root_object["/Pages"]
    declared = pages_node["/Count"] if isinstance(pages_node, DictionaryObject) else None
    if isinstance(declared, int) and declared > max_pages:
        return {"problem": TOO_MANY_PAGES, "detail": f"/Count {declared}"}
    count = len(reader.pages)
    if count > max_pages:
        return {"problem": TOO_MANY_PAGES, "detail": f"{count} pages"}
    for page in reader.pages:
        # Decoding each content stream proves every page can be read, and puts a
        # decompression bomb to work here, inside the limits, rather than later.
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
    return {"pages": count, "title": _title(reader)}


def _title(reader: PdfReader) -> str | None:
    metadata = reader.metadata
    title = metadata.title if metadata is not None else None
    # The parent trims it further; this only keeps a hostile title from swelling the answer.
    return str(title)[:_DETAIL_LIMIT] if isinstance(title, str) else None


def _detail(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:_DETAIL_LIMIT]


def answer(content: bytes, max_pages: int) -> bytes:
    """The verdict line, and for an accepted PDF its sanitised copy after it."""
    verdict = probe(content, max_pages)
    if "problem" in verdict:
        return _line(verdict)
    try:
        clean = bundles.sanitise(content)
        pages = bundles.page_count(clean)
    except MemoryError:
        raise
    except LimitReachedError as error:
        return _line({"problem": TOO_HEAVY, "detail": _detail(error)})
    except Exception as error:
        return _line({"problem": DAMAGED, "detail": _detail(error)})
    if pages != verdict["pages"]:
        return _line({"problem": DAMAGED, "detail": f"{pages} pages after sanitising"})
    return _line(verdict) + clean


def _line(verdict: dict[str, object]) -> bytes:
    # json.dumps escapes every newline inside strings: the first newline ends the verdict.
    return json.dumps(verdict).encode("utf-8") + b"\n"


def _answer(payload: bytes) -> bytes:
    return answer(payload, int(sys.argv[1]))


if __name__ == "__main__":
    serve(_answer)
