"""Templates, generated documents, bundles, the background jobs that make them in bulk, and
the signed copies providers return.

A generated document is never changed after it is made: regenerating makes the next version
and keeps the earlier ones (docs/architecture.md §6). Its row records the template version and the
sha256 of its input data and of its output, so anyone can show later what it was made from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage import locks
from storage.base import Base, UTCDateTime, one_of, utc_now
from storage.organisations import Organisation

DOCUMENT_KINDS = (
    "agendaformulier",
    "volmacht",
    "inkoopovereenkomst",
    "verlengingsbrief",
    "raadsinformatiebrief",
    "evaluatierapportage",
)
SUBJECT_TYPES = ("decision", "mandate", "agreement", "arrangement")
TEMPLATE_STATUSES = ("candidate", "active", "retired")
JOB_STATUSES = ("queued", "running", "done", "failed")


class DocumentTemplate(Base):
    __tablename__ = "document_templates"
    __table_args__ = (
        CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint(one_of("status", TEMPLATE_STATUSES), name="status"),
        UniqueConstraint("kind", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="candidate")
    origin: Mapped[str] = mapped_column(String(20), default="upload")
    file_key: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint(one_of("subject_type", SUBJECT_TYPES), name="subject_type"),
        UniqueConstraint("kind", "subject_type", "subject_id", "party_key", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    # The municipality or provider a document is made for; 0 when the subject says it all
    # (a NULL would let two "version 1" rows past the unique constraint).
    party_key: Mapped[int] = mapped_column(Integer, default=0)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Whom the document is addressed to outside the municipalities: the provider of an
    # agreement. Provider access is scoped on this column in the query (S11).
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(400))
    template_id: Mapped[int] = mapped_column(ForeignKey("document_templates.id"))
    template_version: Mapped[int] = mapped_column(Integer)
    input_sha256: Mapped[str] = mapped_column(String(64))
    output_sha256: Mapped[str] = mapped_column(String(64))
    file_key: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    pdf_key: Mapped[str | None] = mapped_column(String(100))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_pages: Mapped[int | None] = mapped_column(Integer)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    made_by_label: Mapped[str] = mapped_column(String(300))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    party: Mapped[Organisation | None] = relationship(lazy="joined", foreign_keys=[party_id])
    template: Mapped[DocumentTemplate] = relationship(lazy="joined")


class Bundle(Base):
    __tablename__ = "bundles"
    __table_args__ = (CheckConstraint(one_of("subject_type", SUBJECT_TYPES), name="subject_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(400))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    document_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    file_key: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    made_by_label: Mapped[str] = mapped_column(String(300))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class DocumentJob(Base):
    """Bulk work that never runs inside a web request: generating and converting many
    documents, and making a bundle. The page shows its progress."""

    __tablename__ = "document_jobs"
    __table_args__ = (CheckConstraint(one_of("status", JOB_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(400))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done_count: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    # A double submit of the same form carries the same key and finds the first job (S29).
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_by_label: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignedCopy(Base):
    """The signed agreement a provider uploaded (checked before it was stored, S8), kept as
    it came for evidence, and its sanitised copy, which is what downloads hand out (S9)."""

    __tablename__ = "signed_copies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    file_key: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    # None for copies uploaded before sanitising: made on their first download.
    clean_file_key: Mapped[str | None] = mapped_column(String(100))
    clean_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_label: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


def lock_generation(session: Session) -> None:
    """Make documents one request at a time until the transaction ends. Without it two
    requests at once on PostgreSQL (a double click) both take the next version number, or
    both store the built-in template, and the second fails on the unique constraint; SQLite
    already serialises writers (BEGIN IMMEDIATE). It is the audit chain's lock, for the order
    of locks (storage.locks)."""
    locks.hold(session, locks.AUDIT_CHAIN)


def templates_of(session: Session, kind: str) -> Sequence[DocumentTemplate]:
    return session.scalars(
        select(DocumentTemplate)
        .where(DocumentTemplate.kind == kind)
        .order_by(DocumentTemplate.version.desc())
    ).all()


def active_template(session: Session, kind: str) -> DocumentTemplate | None:
    return session.scalars(
        select(DocumentTemplate).where(
            DocumentTemplate.kind == kind, DocumentTemplate.status == "active"
        )
    ).one_or_none()


def next_template_version(session: Session, kind: str) -> int:
    highest = session.scalar(
        select(func.max(DocumentTemplate.version)).where(DocumentTemplate.kind == kind)
    )
    return (highest or 0) + 1


def documents_query(
    subject_type: str, subject_id: int, *, provider_id: int | None = None
) -> Select[Any]:
    """Every version of every document of a subject, newest first; a provider's list is
    scoped to what is addressed to it."""
    query = (
        select(Document)
        .where(Document.subject_type == subject_type, Document.subject_id == subject_id)
        .order_by(Document.kind, Document.party_key, Document.version.desc(), Document.id)
    )
    if provider_id is not None:
        query = query.where(Document.provider_id == provider_id)
    return query


def documents_of(
    session: Session,
    subject_type: str,
    subject_id: int,
    *,
    provider_id: int | None = None,
) -> Sequence[Document]:
    return session.scalars(documents_query(subject_type, subject_id, provider_id=provider_id)).all()


def get_document(
    session: Session, document_id: int, *, provider_id: int | None = None
) -> Document | None:
    query = select(Document).where(Document.id == document_id)
    if provider_id is not None:
        query = query.where(Document.provider_id == provider_id)
    return session.scalars(query).one_or_none()


def documents_by_ids(session: Session, document_ids: Sequence[int]) -> Sequence[Document]:
    if not document_ids:
        return []
    return session.scalars(select(Document).where(Document.id.in_(document_ids))).all()


def latest_version(
    session: Session, kind: str, subject_type: str, subject_id: int, party_key: int
) -> Document | None:
    return session.scalars(
        select(Document)
        .where(
            Document.kind == kind,
            Document.subject_type == subject_type,
            Document.subject_id == subject_id,
            Document.party_key == party_key,
        )
        .order_by(Document.version.desc())
        .limit(1)
    ).one_or_none()


def bundles_of(
    session: Session, subject_type: str, subject_id: int, *, provider_id: int | None = None
) -> Sequence[Bundle]:
    query = (
        select(Bundle)
        .where(Bundle.subject_type == subject_type, Bundle.subject_id == subject_id)
        .order_by(Bundle.made_at.desc(), Bundle.id.desc())
    )
    if provider_id is not None:
        query = query.where(Bundle.provider_id == provider_id)
    return session.scalars(query).all()


def get_bundle(
    session: Session, bundle_id: int, *, provider_id: int | None = None
) -> Bundle | None:
    query = select(Bundle).where(Bundle.id == bundle_id)
    if provider_id is not None:
        query = query.where(Bundle.provider_id == provider_id)
    return session.scalars(query).one_or_none()


def get_job(session: Session, job_id: int) -> DocumentJob | None:
    return session.get(DocumentJob, job_id)


def job_by_request_key(session: Session, request_key: str) -> DocumentJob | None:
    return session.scalars(
        select(DocumentJob).where(DocumentJob.request_key == request_key)
    ).one_or_none()


def queued_jobs(session: Session) -> Sequence[int]:
    return session.scalars(
        select(DocumentJob.id).where(DocumentJob.status == "queued").order_by(DocumentJob.id)
    ).all()


def signed_copies_of(session: Session, agreement_id: int) -> Sequence[SignedCopy]:
    return session.scalars(
        select(SignedCopy)
        .where(SignedCopy.agreement_id == agreement_id)
        .order_by(SignedCopy.uploaded_at.desc(), SignedCopy.id.desc())
    ).all()


def get_signed_copy(
    session: Session, copy_id: int, *, provider_id: int | None = None
) -> SignedCopy | None:
    query = select(SignedCopy).where(SignedCopy.id == copy_id)
    if provider_id is not None:
        query = query.where(SignedCopy.provider_id == provider_id)
    return session.scalars(query).one_or_none()
