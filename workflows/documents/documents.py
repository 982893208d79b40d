"""Generating documents from the registers, and reading them back (docs/architecture.md §6).

A document is made from the active template version and the subject's current data. It is
immutable: making it again after the data changed gives the next version and keeps the
earlier ones; making it again without any change returns the existing version (a double
click makes nothing twice, S29). Each row records the template version and the sha256 of the
input values and of the output file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage import documents as store
from storage import paging
from storage.agreements import Agreement
from storage.documents import Document
from storage.files import FileStore
from storage.mandates import Mandate
from storage.monitoring import RequestFigure
from storage.organisations import Organisation
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.decisions import decisions
from workflows.documents import document_contexts, document_templates
from workflows.documents.engine import bundles, conversion, docx_render
from workflows.errors import Forbidden, InvalidInput, NotFound, WorkflowError
from workflows.monitoring import monitoring
from workflows.registers import agreements, arrangements, coverage, mandates
from workflows.rules.acts import Act
from workflows.rules.document_fields import (
    KIND_LABELS,
    KIND_PARTIES,
    KIND_SUBJECTS,
    KIND_YEARS,
    MANDATE_DOCUMENT_TITLES,
    SUBJECT_LABELS,
)
from workflows.rules.roles import Permission

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"


class RenderRefused(WorkflowError):
    """The template could not be filled; the message says why (S1, S2, S7)."""

    code = "invalid_input"


@dataclass(frozen=True)
class Subject:
    type: str
    id: int
    title: str
    provider_id: int | None


def subject(session: Session, actor: Actor, subject_type: str, subject_id: int) -> Subject:
    """The subject as this actor may see it; anything else is 404 (S11, S12)."""
    if subject_type == "decision":
        decision = decisions.get_visible(session, actor, subject_id)
        return Subject("decision", decision.id, decision.subject, None)
    if subject_type == "mandate":
        mandate = mandates.get_visible(session, actor, subject_id)
        return Subject("mandate", mandate.id, mandate.title, None)
    if subject_type == "agreement":
        agreement = agreements.get_visible(session, actor, subject_id)
        return Subject("agreement", agreement.id, agreement.title, agreement.provider_id)
    if subject_type == "arrangement":
        arrangement = arrangements.visible(session, actor, subject_id)
        return Subject("arrangement", arrangement.id, arrangement.name, None)
    raise InvalidInput(
        {"subject_type": "Onderwerp: kies besluitdossier, mandaat, overeenkomst of regeling."}
    )


def kind_labels(session: Session, subject_type: str, subject_id: int) -> dict[str, str]:
    """The document kinds' names as a subject's page offers them: the volmacht document of a
    mandaat is its mandaatbesluit (one template, whose text follows the kind)."""
    labels = dict(KIND_LABELS)
    if subject_type == "mandate":
        mandate = session.get(Mandate, subject_id)
        if mandate is not None:
            labels["volmacht"] = MANDATE_DOCUMENT_TITLES.get(mandate.kind, labels["volmacht"])
    return labels


def fill(
    session: Session,
    actor: Actor,
    kind: str,
    subject_type: str,
    subject_id: int,
    party_id: int | None,
    *,
    now: datetime,
    year: int | None = None,
) -> document_contexts.Filled:
    if kind not in KIND_SUBJECTS:
        raise InvalidInput({"kind": f"Documentsoort '{kind[:40]}' bestaat niet."})
    if KIND_SUBJECTS[kind] != subject_type:
        raise InvalidInput(
            {
                "subject_type": f"Een {kind} wordt gemaakt vanuit een "
                f"{SUBJECT_LABELS[KIND_SUBJECTS[kind]]}, niet vanuit een "
                f"{SUBJECT_LABELS.get(subject_type, subject_type[:30])}."
            }
        )
    today = now.date()
    party = _party(session, kind, party_id)
    if kind == "agendaformulier":
        decision = decisions.get_visible(session, actor, subject_id)
        arrangement = (
            arrangements.visible(session, actor, decision.arrangement_id)
            if decision.arrangement_id is not None
            else None
        )
        return document_contexts.agendaformulier(decision, arrangement, today=today)
    if kind == "volmacht":
        return document_contexts.volmacht(
            mandates.get_visible(session, actor, subject_id), party, today=today
        )
    if kind == "inkoopovereenkomst":
        agreement = agreements.get_visible(session, actor, subject_id)
        return document_contexts.inkoopovereenkomst(
            agreement, agreement_principals(session, agreement), today=today
        )
    if kind == "verlengingsbrief":
        return document_contexts.verlengingsbrief(
            session, agreements.get_visible(session, actor, subject_id), today=today
        )
    if kind == "evaluatierapportage":
        arrangement = arrangements.visible(session, actor, subject_id)
        chosen = year if year is not None else figures_year(session, arrangement.id, today=today)
        return document_contexts.evaluatierapportage(
            arrangement,
            monitoring.figures(session, actor, arrangement.id, year=chosen),
            monitoring.costs(session, actor, arrangement.id, year=chosen),
            today=today,
        )
    return document_contexts.raadsinformatiebrief(
        arrangements.visible(session, actor, subject_id), party, today=today
    )


def agreement_principals(session: Session, agreement: Agreement) -> list[coverage.Row]:
    """May the contracting party conclude this agreement for each municipality on its start
    date: the date from which it binds them, asked as the coverage matrix asks a phase."""
    return coverage.principals(
        session,
        agreement.arrangement,
        act=Act.CONCLUDE_AGREEMENT,
        on=agreement.start_on,
        acting_id=agreement.contracting_party_id,
    )


def principal_gaps(session: Session, actor: Actor, agreement_id: int) -> tuple[str, ...]:
    """The municipalities an agreement's document leaves out, each with the reason, for the
    documents page to say before and after it is made."""
    agreement = agreements.get_visible(session, actor, agreement_id)
    lead = agreement.contracting_party_id
    return tuple(
        f"{row.municipality.name}: {row.answer.reason}"
        for row in agreement_principals(session, agreement)
        if row.municipality.id != lead and not row.answer.covered
    )


def require_current_agreement_document(session: Session, actor: Actor, agreement_id: int) -> None:
    """An agreement is sent *with* its document (the provider signs that text, and BW 3:71
    lets it see the authority behind it): the latest version must exist and still say what
    the registers say. It is compared by filling it again as on the day it was made, so a
    document of last week is current while nothing it shows has changed."""
    latest = store.latest_version(session, "inkoopovereenkomst", "agreement", agreement_id, 0)
    if latest is None:
        raise InvalidInput(
            {
                "status": "Maak eerst de inkoopovereenkomst (knop Documenten) en verstuur de "
                "overeenkomst daarna: een overeenkomst gaat niet zonder haar document de deur uit."
            }
        )
    try:
        again = fill(
            session,
            actor,
            "inkoopovereenkomst",
            "agreement",
            agreement_id,
            None,
            now=latest.made_at,
        )
    except InvalidInput as refused:
        raise InvalidInput({"status": " ".join(refused.errors.values())}) from refused
    if input_hash(again.context) != latest.input_sha256:
        raise InvalidInput(
            {
                "status": f"De gegevens van de overeenkomst of haar volmachten zijn gewijzigd "
                f"sinds versie {latest.version} van de inkoopovereenkomst is gemaakt; maak het "
                "document opnieuw en verstuur de overeenkomst daarna."
            }
        )


def figures_year(session: Session, arrangement_id: int, *, today: date) -> int:
    """The latest year up to this one with monitoring figures; this year when there are none."""
    latest = session.scalar(
        select(func.max(RequestFigure.year)).where(
            RequestFigure.arrangement_id == arrangement_id, RequestFigure.year <= today.year
        )
    )
    return int(latest) if latest is not None else today.year


def _party(session: Session, kind: str, party_id: int | None) -> Organisation | None:
    if kind not in KIND_PARTIES or party_id is None:
        return None
    party = session.get(Organisation, party_id)
    if party is None or party.kind != KIND_PARTIES[kind]:
        raise InvalidInput({"party_id": "Deze gemeente bestaat niet."})
    return party


def input_hash(context: dict[str, Any]) -> str:
    return hashlib.sha256(
        docx_render.context_json(context, with_images=False).encode("utf-8")
    ).hexdigest()


def generate(
    session: Session,
    files: FileStore,
    actor: Actor,
    kind: str,
    subject_type: str,
    subject_id: int,
    *,
    party_id: int | None = None,
    year: int | None = None,
    now: datetime,
) -> Document:
    actor.require(Permission.GENERATE_DOCUMENTS)
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidInput({"year": "Jaar: kies een jaar tussen 2000 en 2100."})
    filled = fill(session, actor, kind, subject_type, subject_id, party_id, now=now, year=year)
    store.lock_generation(session)  # before the version (and template) are chosen
    template, content = document_templates.active(session, files, kind)
    party_key = filled.party.id if filled.party is not None and kind in KIND_PARTIES else 0
    if kind in KIND_YEARS:
        # A yearly report is one document per year: the year takes the place of the party.
        party_key = int(filled.context["jaar"])
    digest = input_hash(filled.context)
    latest = store.latest_version(session, kind, subject_type, subject_id, party_key)
    if latest is not None and latest.input_sha256 == digest and latest.template_id == template.id:
        return latest
    # The active version renders here, in the worker, also when a beheerder uploaded it: its
    # checks (and compiling it) ran in a child process, and every render is bounded by budgets
    # that depend on neither template nor data (docx_render: MAX_WORK, MAX_VALUE_CHARACTERS,
    # MAX_OUTPUT_CHARACTERS, no constant folding, no method calls), so a template that spends
    # them all stops within about a second. A render in a child process would cost its start,
    # imports and compile every time: ~200 ms a document against ~1-2 ms here.
    try:
        output = docx_render.render(docx_render.prepare(content), filled.context)
    except docx_render.RenderFailed as failed:
        audit.record(
            session,
            actor,
            action="generate",
            object_type="document",
            object_id=None,
            result="failed",
            new_values={"kind": kind, "subject": f"{subject_type}:{subject_id}"},
        )
        raise RenderRefused(failed.message) from failed
    stored = files.put(output)
    document = Document(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        party_key=party_key,
        party_id=filled.party.id if filled.party is not None else None,
        provider_id=filled.provider_id,
        version=(latest.version + 1) if latest is not None else 1,
        title=filled.title,
        template_id=template.id,
        template_version=template.version,
        input_sha256=digest,
        output_sha256=stored.sha256,
        file_key=stored.key,
        size=stored.size,
        made_by_id=actor.user_id,
        made_by_label=actor.label,
        made_at=now,
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor,
        action="generate",
        object_type="document",
        object_id=document.id,
        new_values={
            "kind": kind,
            "subject": f"{subject_type}:{subject_id}",
            "version": document.version,
            "template_version": template.version,
            "input_sha256": digest,
            "output_sha256": stored.sha256,
        },
    )
    return document


def listed(session: Session, actor: Actor, subject_type: str, subject_id: int) -> list[Document]:
    """Every version of every document of a subject the actor may see."""
    actor.require(Permission.VIEW_DOCUMENTS)
    found = subject(session, actor, subject_type, subject_id)
    if actor.is_provider:
        if not _shared_with_provider(session, actor, found):
            return []
        return list(
            store.documents_of(session, subject_type, subject_id, provider_id=actor.organisation_id)
        )
    return list(store.documents_of(session, subject_type, subject_id))


def page_listed(
    session: Session, actor: Actor, subject_type: str, subject_id: int, window: Window
) -> Page[Document]:
    """One page of ``listed``, read in SQL."""
    actor.require(Permission.VIEW_DOCUMENTS)
    found = subject(session, actor, subject_type, subject_id)
    if actor.is_provider:
        if not _shared_with_provider(session, actor, found):
            return Page(rows=[], total=0, window=window)
        query = store.documents_query(subject_type, subject_id, provider_id=actor.organisation_id)
    else:
        query = store.documents_query(subject_type, subject_id)
    return paging.fetch(session, query, window)


def _shared_with_provider(session: Session, actor: Actor, found: Subject) -> bool:
    # A draft agreement is still being prepared by the municipalities; the provider sees its
    # documents once the agreement has been sent.
    if found.type != "agreement" or found.provider_id != actor.organisation_id:
        return False
    return agreements.get_visible(session, actor, found.id).status != "draft"


def get(session: Session, actor: Actor, document_id: int) -> Document:
    actor.require(Permission.VIEW_DOCUMENTS)
    provider = actor.organisation_id if actor.is_provider else None
    if actor.is_provider and provider is None:
        raise NotFound()
    document = store.get_document(session, document_id, provider_id=provider)
    if document is None or not may_read(session, actor, document):
        raise NotFound("Dit document bestaat niet of u heeft er geen toegang toe.")
    return document


def may_read(session: Session, actor: Actor, document: Document) -> bool:
    """Whether the actor may read this document: its subject is visible to them (a secret
    dossier only to the officers given access, S12) and, for a provider, it is addressed to
    that provider and already sent (S11)."""
    if not actor.can(Permission.VIEW_DOCUMENTS):
        return False
    if actor.is_provider and (
        actor.organisation_id is None or document.provider_id != actor.organisation_id
    ):
        return False
    try:
        found = subject(session, actor, document.subject_type, document.subject_id)
    except (NotFound, InvalidInput, Forbidden):
        return False
    return not actor.is_provider or _shared_with_provider(session, actor, found)


@dataclass(frozen=True)
class Content:
    data: bytes
    filename: str
    content_type: str


def content(
    session: Session, files: FileStore, actor: Actor, document_id: int, file_format: str
) -> Content:
    """The stored .docx, or its PDF (converted now and kept, when there is none yet)."""
    if file_format not in ("docx", "pdf"):
        raise InvalidInput({"format": "Formaat: kies docx of pdf."})
    document = get(session, actor, document_id)
    if file_format == "pdf":
        ensure_pdfs(session, files, [document])
        assert document.pdf_key is not None
        data = files.read(document.pdf_key)
        content_type = PDF_TYPE
    else:
        data = files.read(document.file_key)
        content_type = DOCX_TYPE
    audit.record(
        session,
        actor,
        action="download",
        object_type="document",
        object_id=document.id,
        new_values={"format": file_format, "version": document.version},
    )
    return Content(data, f"{filename_stem(document)}.{file_format}", content_type)


def filename_stem(document: Document) -> str:
    party = f"-{document.party.name}" if document.party is not None else ""
    if document.kind in KIND_YEARS:
        party = f"-{document.party_key}"
    stem = document.kind
    # The volmacht document of a mandaat is its mandaatbesluit: its title, made with it,
    # starts with that heading, and the file is named after what it is.
    heading = document.title.split(" ", 1)[0]
    if document.kind == "volmacht" and heading in MANDATE_DOCUMENT_TITLES.values():
        stem = heading.lower()
    return f"{stem}{party}-v{document.version}"


def ensure_pdfs(session: Session, files: FileStore, documents: list[Document]) -> None:
    """Converts those documents that have no PDF yet, all in one soffice call."""
    missing = [d for d in documents if d.pdf_key is None]
    if not missing:
        return
    pdfs = conversion.to_pdf([files.read(d.file_key) for d in missing])
    for document, pdf in zip(missing, pdfs, strict=True):
        _attach_pdf(files, document, pdf)
    session.flush()


def _attach_pdf(files: FileStore, document: Document, pdf: bytes) -> None:
    stored = files.put(pdf)
    document.pdf_key = stored.key
    document.pdf_sha256 = stored.sha256
    document.pdf_pages = bundles.page_count(pdf)


def convert_missing(
    sessions: sessionmaker[Session], files: FileStore, document_ids: list[int]
) -> None:
    """Like ensure_pdfs, for background jobs: soffice runs between two short transactions,
    not inside one (on SQLite a transaction holds the write lock)."""
    with sessions() as session:
        missing = [
            (d.id, d.file_key)
            for d in (session.get(Document, i) for i in document_ids)
            if d is not None and d.pdf_key is None
        ]
    if not missing:
        return
    pdfs = conversion.to_pdf([files.read(key) for _, key in missing])
    with sessions.begin() as session:
        for (document_id, _), pdf in zip(missing, pdfs, strict=True):
            document = session.get(Document, document_id)
            if document is not None and document.pdf_key is None:
                _attach_pdf(files, document, pdf)
