"""API routes of documents, bundles, document jobs and template versions (see openapi.py)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from storage.documents import Bundle, Document, DocumentJob
from storage.files import FileStore
from webapp import clock
from webapp.access import current_actor, requires
from webapp.api.registers import json_body
from webapp.api.representations import BundleOut, DocumentOut, JobOut, TemplateReportOut
from webapp.api.views import blueprint, error_response, id_arg, page, window
from webapp.database import db, end_transaction
from webapp.downloads import attachment
from webapp.jobs import wake_worker
from webapp.pages.documents import convert_first
from webapp.unit_of_work import after_commit, unit_of_work
from workflows.documents import document_bundles, document_jobs, documents, template_uploads
from workflows.documents.engine import conversion
from workflows.documents.engine.template_checks import MAX_BYTES as TEMPLATE_MAX_BYTES
from workflows.errors import InvalidInput
from workflows.rules.fields import MAX_ID
from workflows.rules.roles import Permission


def _files() -> FileStore:
    store: FileStore = current_app.extensions["besluitwerk.files"]
    return store


def document_json(document: Document) -> dict[str, Any]:
    return DocumentOut.shaped(_document_body(document))


def _document_body(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "title": document.title,
        "subject_type": document.subject_type,
        "subject_id": document.subject_id,
        "party_id": document.party_id,
        "version": document.version,
        "template_version": document.template_version,
        "sha256": document.output_sha256,
        "input_sha256": document.input_sha256,
        "pdf_sha256": document.pdf_sha256,
        "made_at": document.made_at.isoformat(),
        "made_by": document.made_by_label,
    }


def bundle_json(bundle: Bundle) -> dict[str, Any]:
    return BundleOut.shaped(
        {
            "id": bundle.id,
            "name": bundle.name,
            "title": bundle.title,
            "subject_type": bundle.subject_type,
            "subject_id": bundle.subject_id,
            "document_ids": bundle.document_ids,
            "pages": bundle.pages,
            "sha256": bundle.sha256,
            "made_at": bundle.made_at.isoformat(),
        }
    )


def job_json(job: DocumentJob) -> dict[str, Any]:
    return JobOut.shaped(
        {
            "id": job.id,
            "action": job.action,
            "title": job.title,
            "status": job.status,
            "done": job.done_count,
            "total": job.total,
            "bundle_id": job.result.get("bundle_id"),
            "document_ids": job.result.get("document_ids", []),
            "error": job.error or None,
        }
    )


def _integer(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise InvalidInput({name: f"{name}: verwacht een geheel getal van 1 of meer."})
    return value


@blueprint.post("/documents", endpoint="document_create")
@requires(Permission.GENERATE_DOCUMENTS)
def create_document() -> ResponseReturnValue:
    body = json_body()
    session = db()
    subject_id = _integer(body, "subject_id")
    assert subject_id is not None
    try:
        with unit_of_work():
            document = documents.generate(
                session,
                _files(),
                current_actor(),
                str(body.get("kind", "")),
                str(body.get("subject_type", "")),
                subject_id,
                party_id=_integer(body, "party_id", required=False),
                year=_integer(body, "year", required=False),
                now=clock.now(),
            )
    except documents.RenderRefused as refused:
        return error_response(422, "invalid_input", refused.message)
    return jsonify(document_json(document)), 201


@blueprint.get("/documents", endpoint="documents")
@requires(Permission.VIEW_DOCUMENTS)
def list_documents() -> ResponseReturnValue:
    subject_type = request.args.get("subject_type", "")
    subject_id = id_arg("subject_id")
    if subject_id is None:
        raise InvalidInput({"subject_id": "subject_id: verwacht een geheel getal."})
    found = documents.page_listed(db(), current_actor(), subject_type, subject_id, window())
    return page(found, DocumentOut, _document_body)


@blueprint.get("/documents/<int:document_id>/content", endpoint="document_content")
@requires(Permission.VIEW_DOCUMENTS)
def document_content(document_id: int) -> ResponseReturnValue:
    session = db()
    file_format = request.args.get("format", "docx")
    try:
        with unit_of_work():
            if file_format == "pdf":
                convert_first(session, document_id)
            found = documents.content(session, _files(), current_actor(), document_id, file_format)
    except (conversion.ConversionUnavailable, conversion.ConversionFailed) as error:
        return error_response(503, error.code, error.message)
    return attachment(found.data, filename=found.filename, content_type=found.content_type)


@blueprint.post("/bundles", endpoint="bundle_create")
@requires(Permission.GENERATE_DOCUMENTS)
def create_bundle() -> ResponseReturnValue:
    """Bundles are made in the background: 202 with the job, whose answer names the bundle."""
    body = json_body()
    actor = current_actor()
    if not conversion.available():
        error = conversion.ConversionUnavailable()
        return error_response(503, error.code, error.message)
    key = str(body.get("request_key") or secrets.token_hex(16))
    if "document_ids" in body:
        ids = body["document_ids"]
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_ID for i in ids
        ):
            raise InvalidInput({"document_ids": "document_ids: verwacht een lijst van getallen."})
    with unit_of_work() as session:
        if "document_ids" in body:
            job = document_jobs.request_documents_bundle(
                session, actor, body["document_ids"], request_key=key, now=clock.now()
            )
        else:
            subject_id = _integer(body, "subject_id")
            assert subject_id is not None
            job = document_jobs.request(
                session,
                actor,
                "bundle",
                subject_id,
                bundle=str(body.get("name", "")),
                request_key=key,
                now=clock.now(),
            )
        # The worker would find nothing before the job is committed.
        after_commit(wake_worker)
    response = jsonify(job_json(job))
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return response, 202


@blueprint.get("/jobs/<int:job_id>", endpoint="job")
@requires(Permission.GENERATE_DOCUMENTS)
def get_job(job_id: int) -> ResponseReturnValue:
    return jsonify(job_json(document_jobs.get(db(), current_actor(), job_id)))


@blueprint.get("/bundles/<int:bundle_id>", endpoint="bundle")
@requires(Permission.VIEW_DOCUMENTS)
def get_bundle(bundle_id: int) -> ResponseReturnValue:
    return jsonify(bundle_json(document_bundles.get(db(), current_actor(), bundle_id)))


@blueprint.get("/bundles/<int:bundle_id>/content", endpoint="bundle_content")
@requires(Permission.VIEW_DOCUMENTS)
def bundle_content(bundle_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        found = document_bundles.content(session, _files(), current_actor(), bundle_id)
    return attachment(found.data, filename=found.filename, content_type=found.content_type)


@blueprint.post("/templates/<kind>/versions", endpoint="template_version_create")
@requires(Permission.MANAGE_TEMPLATES)
def upload_template(kind: str) -> ResponseReturnValue:
    session = db()
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput({"file": "Stuur het sjabloon als multipart-veld 'file'."})
    try:
        content = upload.read(TEMPLATE_MAX_BYTES + 1)
    finally:
        upload.close()
    # On a refusal the audit log keeps it; nothing of the file is stored.
    with unit_of_work(keep_on=(InvalidInput,)):
        result = template_uploads.upload(
            session,
            _files(),
            current_actor(),
            kind,
            content,
            original_name=upload.filename or "",
            note=request.form.get("note", ""),
            now=clock.now(),
            before_check=end_transaction,
        )
    template = result.template
    return (
        jsonify(
            TemplateReportOut.shaped(
                {
                    "id": template.id,
                    "kind": template.kind,
                    "version": template.version,
                    "status": template.status,
                    "sha256": template.sha256,
                    "fields_used": result.fields_used,
                    "missing_fields": result.missing_fields,
                    "problems": [],
                }
            )
        ),
        201,
    )
