"""Documents of a subject, bulk jobs with progress, bundles, and the provider's exchange page.

Every download goes through ``webapp.downloads.attachment`` (S10) and is recorded in the
audit log by the use case. A provider reaches only what is addressed to it: the use cases
scope every lookup in the query (S11) and anything else is a 404.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from storage.files import FileStore
from webapp import clock
from webapp.access import current_actor, requires
from webapp.database import db, end_transaction, sessions
from webapp.downloads import attachment
from webapp.jobs import wake_worker
from webapp.unit_of_work import after_commit, unit_of_work
from workflows.documents import (
    document_bundles,
    document_jobs,
    documents,
    provider_overview,
    signed_copies,
)
from workflows.documents.engine import conversion
from workflows.documents.engine.pdf_checks import MAX_BYTES as PDF_MAX_BYTES
from workflows.documents.engine.pdf_checks import PdfRefused
from workflows.errors import InvalidInput, NotFound
from workflows.registers import agreements, arrangements, mandates
from workflows.rules import fields
from workflows.rules.agreements import STATUS_LABELS
from workflows.rules.document_fields import KIND_PARTIES, KIND_SUBJECTS, KIND_YEARS
from workflows.rules.roles import Permission

blueprint = Blueprint("documents", __name__, url_prefix="/documenten")

SUBJECT_WORDS = {
    "decision": "besluitdossier",
    "mandate": "mandaat",
    "agreement": "overeenkomst",
    "arrangement": "regeling",
}
SUBJECT_PAGES = {
    "decision": ("decisions.detail", "decision_id"),
    "mandate": ("mandates.detail", "mandate_id"),
    "agreement": ("agreements.detail", "agreement_id"),
    "arrangement": ("arrangements.detail", "arrangement_id"),
}
NAMED_BUNDLES = {"decision": "bw", "agreement": "overeenkomst", "mandate": "volmachten"}


def files() -> FileStore:
    store: FileStore = current_app.extensions["besluitwerk.files"]
    return store


def _parties(subject_type: str, subject_id: int) -> list[tuple[int, str]]:
    """The municipalities a per-municipality kind can be made for."""
    session = db()
    actor = current_actor()
    if subject_type == "mandate":
        mandate = mandates.get_visible(session, actor, subject_id)
        return sorted(((g.grantor_id, g.grantor.name) for g in mandate.grants), key=lambda p: p[1])
    if subject_type == "arrangement":
        arrangement = arrangements.visible(session, actor, subject_id)
        return sorted(
            (
                (p.organisation_id, p.organisation.name)
                for p in arrangement.participants
                if p.organisation.kind == "municipality"
            ),
            key=lambda p: p[1],
        )
    return []


@dataclass(frozen=True)
class _PanelSubject:
    type: str
    id: int


def document_actions(subject_type: str, subject_id: int) -> dict[str, Any] | None:
    """For the subject pages: their one-click generate buttons (None for who may not)."""
    actor = current_actor()
    if not actor.can(Permission.GENERATE_DOCUMENTS):
        return None
    return {
        "subject": _PanelSubject(subject_type, subject_id),
        "kinds": [kind for kind, subject in KIND_SUBJECTS.items() if subject == subject_type],
        "kind_labels": documents.kind_labels(db(), subject_type, subject_id),
        "kind_parties": KIND_PARTIES,
        "kind_years": KIND_YEARS,
        "figures_year": _figures_year(subject_type, subject_id),
        "parties": _parties(subject_type, subject_id),
    }


def _figures_year(subject_type: str, subject_id: int) -> int | None:
    if subject_type != "arrangement":
        return None
    return documents.figures_year(db(), subject_id, today=clock.today())


@blueprint.get("/<any(decision, mandate, agreement, arrangement):subject_type>/<int:subject_id>")
@requires(Permission.VIEW_DOCUMENTS)
def index(subject_type: str, subject_id: int) -> ResponseReturnValue:
    return _index(subject_type, subject_id, {}, 200)


def _index(
    subject_type: str, subject_id: int, errors: dict[str, str], status: int
) -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    subject = documents.subject(session, actor, subject_type, subject_id)
    rows = documents.listed(session, actor, subject_type, subject_id)
    kinds = [kind for kind, subject in KIND_SUBJECTS.items() if subject == subject_type]
    copies = signed_copies.listed(session, actor, subject_id) if subject_type == "agreement" else []
    agreement = (
        agreements.get_visible(session, actor, subject_id) if subject_type == "agreement" else None
    )
    page, key = SUBJECT_PAGES[subject_type]
    return (
        render_template(
            "documents/index.html",
            subject=subject,
            subject_word=SUBJECT_WORDS[subject_type],
            subject_url=url_for(page, **{key: subject_id}),  # type: ignore[arg-type]
            documents=rows,
            bundles=document_bundles.listed(session, actor, subject_type, subject_id),
            kinds=kinds,
            kind_labels=documents.kind_labels(session, subject_type, subject_id),
            kind_parties=KIND_PARTIES,
            kind_years=KIND_YEARS,
            figures_year=_figures_year(subject_type, subject_id),
            parties=_parties(subject_type, subject_id) if not actor.is_provider else [],
            named_bundle=NAMED_BUNDLES.get(subject_type),
            named_bundle_label=document_bundles.named_bundle_label(
                session, NAMED_BUNDLES[subject_type], subject_id
            )
            if subject_type in NAMED_BUNDLES
            else "",
            can_generate=actor.can(Permission.GENERATE_DOCUMENTS),
            can_upload=actor.can(Permission.RETURN_SIGNED_COPIES),
            copies=copies,
            agreement=agreement,
            provider_view=(
                provider_overview.describe(session, actor, agreement, today=clock.today())
                if agreement is not None and actor.is_provider
                else None
            ),
            principal_gaps=(
                documents.principal_gaps(session, actor, subject_id)
                if agreement is not None and not actor.is_provider
                else ()
            ),
            status_labels=STATUS_LABELS,
            pdf_available=conversion.available(),
            request_key=secrets.token_hex(16),
            errors=errors,
            pdf_limit_mb=PDF_MAX_BYTES // (1024 * 1024),
        ),
        status,
    )


def _whole(name: str) -> int | None:
    return fields.id_or_none(request.form.get(name, ""))


def _year() -> int | None:
    raw = request.form.get("year", "").strip()
    if not raw:
        return None
    year = fields.whole_or_none(raw, minimum=1, maximum=9999)
    if year is None:
        raise InvalidInput({"year": "Jaar: vul een jaartal in, bijvoorbeeld 2025."})
    return year


@blueprint.post("/maken")
@requires(Permission.GENERATE_DOCUMENTS)
def generate() -> ResponseReturnValue:
    session = db()
    subject_type = request.form.get("subject_type", "")
    subject_id = _whole("subject_id")
    if subject_type not in SUBJECT_PAGES or subject_id is None:
        raise NotFound()
    try:
        with unit_of_work():
            document = documents.generate(
                session,
                files(),
                current_actor(),
                request.form.get("kind", ""),
                subject_type,
                subject_id,
                party_id=_whole("party_id"),
                year=_year(),
                now=clock.now(),
            )
            gaps = (
                documents.principal_gaps(session, current_actor(), subject_id)
                if document.kind == "inkoopovereenkomst"
                else ()
            )
    except InvalidInput as error:
        return _index(subject_type, subject_id, error.errors, 422)
    except documents.RenderRefused as error:
        return _index(subject_type, subject_id, {"kind": error.message}, 422)
    flash(f"{document.title}: versie {document.version} staat klaar.", "success")
    if gaps:
        flash("Niet in de overeenkomst opgenomen: " + " ".join(gaps), "warning")
    return redirect(url_for("documents.index", subject_type=subject_type, subject_id=subject_id))


@blueprint.get("/<int:document_id>/bestand")
@requires(Permission.VIEW_DOCUMENTS)
def download(document_id: int) -> ResponseReturnValue:
    session = db()
    file_format = request.args.get("formaat", "docx")
    try:
        with unit_of_work():
            if file_format == "pdf":
                convert_first(session, document_id)
            found = documents.content(session, files(), current_actor(), document_id, file_format)
    except InvalidInput as error:  # an unknown ?formaat= is the user's input, not a crash
        message = " ".join(error.errors.values())
        return render_template("error.html", title="Onbekend formaat", message=message), 422
    except (conversion.ConversionUnavailable, conversion.ConversionFailed) as error:
        return render_template(
            "error.html", title="PDF niet beschikbaar", message=error.message
        ), 503
    return attachment(found.data, filename=found.filename, content_type=found.content_type)


def convert_first(session: Session, document_id: int) -> None:
    """A document's PDF is made on its first download. On SQLite every transaction holds the
    write lock, so the request's transaction ends before soffice runs its second or two, and
    the conversion is stored in short transactions of its own."""
    documents.get(session, current_actor(), document_id)  # 404 before any work
    end_transaction()
    documents.convert_missing(sessions(), files(), [document_id])


@blueprint.post("/opdrachten")
@requires(Permission.GENERATE_DOCUMENTS)
def start_job() -> ResponseReturnValue:
    session = db()
    subject_type = request.form.get("subject_type", "")
    subject_id = _whole("subject_id")
    if subject_type not in SUBJECT_PAGES or subject_id is None:
        raise NotFound()
    if not conversion.available():
        return _index(
            subject_type, subject_id, {"job": conversion.ConversionUnavailable().message}, 503
        )
    try:
        with unit_of_work():
            job = document_jobs.request(
                session,
                current_actor(),
                request.form.get("action", ""),
                subject_id,
                bundle=request.form.get("bundle", ""),
                request_key=request.form.get("request_key", ""),
                now=clock.now(),
            )
            # The worker would find nothing before the job is committed.
            after_commit(wake_worker)
    except InvalidInput as error:
        return _index(subject_type, subject_id, {"job": error.message}, 422)
    return redirect(url_for("documents.job", job_id=job.id))


@blueprint.get("/opdrachten/<int:job_id>")
@requires(Permission.GENERATE_DOCUMENTS)
def job(job_id: int) -> ResponseReturnValue:
    found = document_jobs.get(db(), current_actor(), job_id)
    return render_template("documents/job.html", job=found)


@blueprint.get("/bundels/<int:bundle_id>/bestand")
@requires(Permission.VIEW_DOCUMENTS)
def bundle_download(bundle_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        found = document_bundles.content(session, files(), current_actor(), bundle_id)
    return attachment(found.data, filename=found.filename, content_type=found.content_type)


@blueprint.get("/aanbieder")
@requires(Permission.RETURN_SIGNED_COPIES)
def provider_home() -> ResponseReturnValue:
    session = db()
    actor = current_actor()
    rows = provider_overview.overview(session, actor, today=clock.today())
    return render_template("documents/provider.html", rows=rows)


@blueprint.post("/overeenkomsten/<int:agreement_id>/getekend")
@requires(Permission.RETURN_SIGNED_COPIES)
def upload_signed(agreement_id: int) -> ResponseReturnValue:
    session = db()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _index(
            "agreement", agreement_id, {"file": "Bestand: kies het getekende PDF-bestand."}, 422
        )
    try:
        # One byte more than allowed is enough to refuse a larger file without reading it all.
        content = upload.read(PDF_MAX_BYTES + 1)
    finally:
        upload.close()
    actor = current_actor()
    try:
        # The refusal itself is kept in the audit log; nothing else of this upload is.
        with unit_of_work(keep_on=(InvalidInput, PdfRefused)) as session:
            signed_copies.require_receiving(session, actor, agreement_id)
            end_transaction()
            try:
                report = signed_copies.check(content)
            except PdfRefused as refused:
                signed_copies.record_refusal(session, actor, agreement_id, refused, len(content))
                raise
            signed_copies.upload(
                session,
                files(),
                actor,
                agreement_id,
                content,
                original_name=upload.filename,
                now=clock.now(),
                report=report,
            )
    except (InvalidInput, PdfRefused) as error:
        message = (
            " ".join(error.errors.values()) if isinstance(error, InvalidInput) else error.message
        )
        return _index("agreement", agreement_id, {"file": message}, 422)
    flash("Dank u. Het getekende document is ontvangen; de gemeente tekent nu.", "success")
    return redirect(url_for("documents.index", subject_type="agreement", subject_id=agreement_id))


@blueprint.get("/getekend/<int:copy_id>")
@requires(Permission.VIEW_DOCUMENTS)
def signed_download(copy_id: int) -> ResponseReturnValue:
    session = db()
    try:
        with unit_of_work():
            found = signed_copies.content(session, files(), current_actor(), copy_id)
    except PdfRefused:
        # A copy uploaded before uploads were sanitised, that no longer passes the check: it
        # is not handed out as it is.
        return render_template(
            "error.html",
            title="Getekend exemplaar niet beschikbaar",
            message="Dit getekende exemplaar kan niet veilig worden geopend: het voldoet niet "
            "aan de controles op PDF-bestanden. Vraag de aanbieder het opnieuw te uploaden.",
        ), 422
    return attachment(found.data, filename=found.filename, content_type=found.content_type)
