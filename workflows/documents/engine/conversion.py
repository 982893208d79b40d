"""Word to PDF with LibreOffice headless (docs/architecture.md §6).

Starting soffice costs 1.5–2 seconds, so documents are converted in batches: one soffice call
for all files of a job, never one process per document in a loop. Each call gets a user profile
of its own — two soffice processes sharing a profile make the second conversion fail silently —
and profiles are kept between calls (a fresh profile costs another second to create), one per
slot, each slot used by one conversion at a time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from workflows.errors import WorkflowError

# Tagged PDF for screen readers; nl-NL comes from the documents' own language setting.
_PDF_FILTER = 'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'
_SLOTS = 4
_slot_locks = [threading.Lock() for _ in range(_SLOTS)]
_slot_choice = threading.Lock()


class ConversionUnavailable(WorkflowError):
    """LibreOffice is not installed: Word documents still work, PDF does not."""

    code = "unavailable"

    def __init__(self) -> None:
        super().__init__(
            "PDF maken kan nu niet: LibreOffice (soffice) is op deze server niet geïnstalleerd. "
            "De Word-versie is wel beschikbaar. Vraag de beheerder LibreOffice te installeren "
            "(Debian: apt-get install libreoffice-writer-nogui)."
        )


class ConversionFailed(WorkflowError):
    code = "conversion_failed"


def soffice() -> str | None:
    configured = os.environ.get("BESLUITWERK_SOFFICE")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def to_pdf(documents: Sequence[bytes], *, timeout_per_document: float = 20.0) -> list[bytes]:
    """Converts .docx files to PDF in one soffice call; the PDFs come back in the same order."""
    if not documents:
        return []
    program = soffice()
    if program is None:
        raise ConversionUnavailable()
    slot = _take_slot()
    try:
        return _convert(program, slot, documents, 60.0 + timeout_per_document * len(documents))
    finally:
        _slot_locks[slot].release()


def _take_slot() -> int:
    while True:
        with _slot_choice:
            for index, lock in enumerate(_slot_locks):
                if lock.acquire(blocking=False):
                    return index
        # All slots busy: wait for the first one rather than start an unbounded number of
        # soffice processes on a two-core machine.
        _slot_locks[0].acquire()
        return 0


# What LibreOffice needs from our environment, and nothing else: the keys (SECRET_KEY,
# AUDIT_KEY), the database URL and the SMTP password stay with us (S26, S31).
_PASSED_TO_SOFFICE = ("PATH", "LANG", "LC_ALL", "LANGUAGE", "TZ", "TMPDIR", "FONTCONFIG_PATH")


def _soffice_environment(home: Path) -> dict[str, str]:
    passed = {name: os.environ[name] for name in _PASSED_TO_SOFFICE if name in os.environ}
    return {**passed, "HOME": str(home)}


def _profile(slot: int) -> Path:
    root = Path(tempfile.gettempdir()) / f"besluitwerk-soffice-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root / f"{os.getpid()}-{slot}"


def _convert(program: str, slot: int, documents: Sequence[bytes], timeout: float) -> list[bytes]:
    with tempfile.TemporaryDirectory(prefix="besluitwerk-convert-") as work:
        source = Path(work) / "in"
        target = Path(work) / "out"
        source.mkdir()
        target.mkdir()
        names = []
        for number, content in enumerate(documents, start=1):
            path = source / f"document-{number:04d}.docx"
            path.write_bytes(content)
            names.append(path)
        command = [
            program,
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={_profile(slot).as_uri()}",
            "--convert-to",
            _PDF_FILTER,
            "--outdir",
            str(target),
            *(str(name) for name in names),
        ]
        try:
            subprocess.run(  # noqa: S603 — fixed program and arguments, no shell
                command,
                check=False,
                capture_output=True,
                timeout=timeout,
                env=_soffice_environment(_profile(slot).parent),
            )
        except subprocess.TimeoutExpired as error:
            raise ConversionFailed(
                "PDF maken duurde te lang en is afgebroken; probeer het opnieuw of met minder "
                "documenten tegelijk."
            ) from error
        results = []
        for name in names:
            pdf = target / f"{name.stem}.pdf"
            if not pdf.exists() or pdf.stat().st_size == 0:
                raise ConversionFailed(
                    "LibreOffice kon niet alle documenten naar PDF omzetten; de Word-versies "
                    "zijn wel beschikbaar."
                )
            results.append(pdf.read_bytes())
        return results
