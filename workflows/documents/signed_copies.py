"""A provider returns its agreement signed (docs/architecture.md §6, docs/security.md S8, S11).

The upload is checked in a child process with limits before anything is stored; a refused file
leaves the agreement exactly as it was. An accepted one is stored under a server-made name and
moves the agreement from *verzonden* to *getekend door aanbieder*; the officer then records the
municipality's signature on the agreement page. Every upload and download is in the audit log.

The upload is kept as it came, as evidence of what the provider signed; a download hands out its
sanitised copy, made in the same child process, so that an officer never opens a provider's
scripts, launch actions or embedded files (S9).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage import documents as store
from storage.documents import SignedCopy
from storage.files import FileStore
from workflows import audit
from workflows.actors import Actor
from workflows.documents import documents
from workflows.documents.engine import pdf_checks
from workflows.errors import InvalidInput, NotFound
from workflows.registers import agreements
from workflows.rules.agreements import STATUS_LABELS
from workflows.rules.provider_steps import RECEIVING
from workflows.rules.roles import Permission

_RECEIVING = RECEIVING


def require_receiving(session: Session, actor: Actor, agreement_id: int) -> None:
    """Refuses before the file is looked at: the uploader may return signed copies, sees the
    agreement, and it waits for the provider's signature."""
    actor.require(Permission.RETURN_SIGNED_COPIES)
    agreement = agreements.get_visible(session, actor, agreement_id)
    if agreement.status not in _RECEIVING:
        raise InvalidInput(
            {
                "file": "Deze overeenkomst wacht niet op uw handtekening "
                f"(status: {STATUS_LABELS.get(agreement.status, agreement.status)})."
            }
        )


def check(content: bytes) -> pdf_checks.PdfReport:
    """The check and the sanitised copy, made in a child process. It needs no database, so the
    caller runs it outside any transaction: on SQLite a transaction holds the write lock, and
    the whole app would wait for a probe of seconds (S30). Raises ``PdfRefused``."""
    return pdf_checks.check_pdf(content)


def record_refusal(
    session: Session, actor: Actor, agreement_id: int, refused: pdf_checks.PdfRefused, size: int
) -> None:
    audit.record(
        session,
        actor,
        action="upload",
        object_type="agreement",
        object_id=agreement_id,
        result="refused",
        new_values={"reason": refused.reason, "size": size},
    )


def upload(
    session: Session,
    files: FileStore,
    actor: Actor,
    agreement_id: int,
    content: bytes,
    *,
    original_name: str,
    now: datetime,
    report: pdf_checks.PdfReport | None = None,
) -> SignedCopy:
    """Keeps the original as evidence and the sanitised copy for reading. ``report`` is the
    result of ``check`` made earlier outside the transaction; the agreement is looked at again
    here, as it may have changed meanwhile."""
    require_receiving(session, actor, agreement_id)
    agreement = agreements.get_visible(session, actor, agreement_id)
    if report is None:
        try:
            report = check(content)
        except pdf_checks.PdfRefused as refused:
            record_refusal(session, actor, agreement.id, refused, len(content))
            raise
    stored = files.put(content)
    clean = files.put(report.clean)
    copy = SignedCopy(
        agreement_id=agreement.id,
        provider_id=agreement.provider_id,
        file_key=stored.key,
        sha256=stored.sha256,
        clean_file_key=clean.key,
        clean_sha256=clean.sha256,
        size=stored.size,
        pages=report.pages,
        original_name=original_name[:200],
        uploaded_by_id=actor.user_id,
        uploaded_by_label=actor.label,
        uploaded_at=now,
    )
    session.add(copy)
    before = agreement.status
    agreement.status = "signed_by_provider"
    session.flush()
    audit.record(
        session,
        actor,
        action="upload",
        object_type="agreement",
        object_id=agreement.id,
        old_values={"status": before},
        new_values={
            "status": agreement.status,
            "signed_copy": copy.id,
            "sha256": stored.sha256,
            "clean_sha256": clean.sha256,
            "pages": report.pages,
        },
    )
    return copy


def listed(session: Session, actor: Actor, agreement_id: int) -> list[SignedCopy]:
    agreements.get_visible(session, actor, agreement_id)
    return list(store.signed_copies_of(session, agreement_id))


def content(session: Session, files: FileStore, actor: Actor, copy_id: int) -> documents.Content:
    actor.require(Permission.VIEW_AGREEMENTS)
    provider = actor.organisation_id if actor.is_provider else None
    copy = store.get_signed_copy(session, copy_id, provider_id=provider)
    if copy is None or (actor.is_provider and provider is None):
        raise NotFound("Dit bestand bestaat niet of u heeft er geen toegang toe.")
    agreements.get_visible(session, actor, copy.agreement_id)
    if copy.clean_file_key is None:
        _make_clean_copy(files, copy)
    assert copy.clean_file_key is not None
    audit.record(
        session,
        actor,
        action="download",
        object_type="signed_copy",
        object_id=copy.id,
        new_values={"sha256": copy.sha256, "clean_sha256": copy.clean_sha256},
    )
    return documents.Content(
        files.read(copy.clean_file_key),
        f"getekend-{copy.agreement_id}-{copy.id}.pdf",
        documents.PDF_TYPE,
    )


def _make_clean_copy(files: FileStore, copy: SignedCopy) -> None:
    """For a copy uploaded before uploads were sanitised: checked and sanitised again in the
    child process, never parsed here. Raises ``PdfRefused`` when that no longer succeeds."""
    report = pdf_checks.check_pdf(files.read(copy.file_key))
    stored = files.put(report.clean)
    copy.clean_file_key = stored.key
    copy.clean_sha256 = stored.sha256
