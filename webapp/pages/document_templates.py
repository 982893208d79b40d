"""Template management for the beheerder: upload a new version, see the check report and a
test render with the demo data, then activate it (docs/security.md S1–S5, S7)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from storage.files import FileStore
from webapp import clock
from webapp.access import current_actor, requires
from webapp.database import db, end_transaction
from webapp.downloads import attachment
from webapp.unit_of_work import unit_of_work
from workflows.documents import document_templates, documents, template_uploads
from workflows.documents.engine.template_checks import MAX_BYTES as TEMPLATE_MAX_BYTES
from workflows.errors import InvalidInput, NotFound
from workflows.rules.document_fields import CATALOGUES, KIND_LABELS, TemplateStatus, field_names
from workflows.rules.roles import Permission

blueprint = Blueprint("document_templates", __name__, url_prefix="/sjablonen")


def _files() -> FileStore:
    store: FileStore = current_app.extensions["besluitwerk.files"]
    return store


@blueprint.get("/")
@requires(Permission.MANAGE_TEMPLATES)
def index() -> ResponseReturnValue:
    with unit_of_work() as session:
        actor = current_actor()
        document_templates.ensure_all(session, _files())
    kinds = {kind: document_templates.versions(session, actor, kind) for kind in CATALOGUES}
    return render_template("templates_admin/index.html", kinds=kinds, labels=KIND_LABELS)


def _kind_page(kind: str, errors: dict[str, str], status: int) -> ResponseReturnValue:
    if kind not in CATALOGUES:
        raise NotFound("Deze documentsoort bestaat niet.")
    session = db()
    versions = document_templates.versions(session, current_actor(), kind)
    return (
        render_template(
            "templates_admin/kind.html",
            kind=kind,
            label=KIND_LABELS[kind],
            versions=versions,
            statuses=TemplateStatus.labels(),
            fields=field_names(kind),
            errors=errors,
            max_mb=TEMPLATE_MAX_BYTES // (1024 * 1024),
        ),
        status,
    )


@blueprint.route("/<kind>", methods=["GET", "POST"])
@requires(Permission.MANAGE_TEMPLATES)
def kind(kind: str) -> ResponseReturnValue:
    if request.method == "GET":
        return _kind_page(kind, {}, 200)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _kind_page(kind, {"file": "Bestand: kies een Word-bestand (.docx)."}, 422)
    try:
        content = upload.read(TEMPLATE_MAX_BYTES + 1)
    finally:
        upload.close()
    try:
        # A refusal is kept in the audit log; the file itself is not.
        with unit_of_work(keep_on=(InvalidInput,)) as session:
            result = template_uploads.upload(
                session,
                _files(),
                current_actor(),
                kind,
                content,
                original_name=upload.filename,
                note=request.form.get("note", ""),
                now=clock.now(),
                before_check=end_transaction,
            )
    except InvalidInput as error:
        return _kind_page(kind, error.errors, 422)
    flash(
        f"Versie {result.template.version} is gecontroleerd en als kandidaat opgeslagen. "
        "Bekijk de proefversie en activeer de versie daarna.",
        "success",
    )
    return redirect(url_for("document_templates.version", template_id=result.template.id))


@blueprint.get("/versies/<int:template_id>")
@requires(Permission.MANAGE_TEMPLATES)
def version(template_id: int) -> ResponseReturnValue:
    template = document_templates.get(db(), current_actor(), template_id)
    return render_template(
        "templates_admin/version.html",
        template=template,
        label=KIND_LABELS[template.kind],
        statuses=TemplateStatus.labels(),
    )


@blueprint.get("/versies/<int:template_id>/bestand")
@requires(Permission.MANAGE_TEMPLATES)
def download(template_id: int) -> ResponseReturnValue:
    template = document_templates.get(db(), current_actor(), template_id)
    return attachment(
        _files().read(template.file_key),
        filename=f"sjabloon-{template.kind}-v{template.version}.docx",
        content_type=documents.DOCX_TYPE,
    )


@blueprint.get("/versies/<int:template_id>/proefversie")
@requires(Permission.MANAGE_TEMPLATES)
def preview(template_id: int) -> ResponseReturnValue:
    session = db()
    template = document_templates.get(session, current_actor(), template_id)
    content = _files().read(template.file_key)
    context = template_uploads.sample_context(session, template.kind, now=clock.now())
    try:
        rendered = template_uploads.test_render(content, template.kind, context)
    except InvalidInput as error:
        return _kind_page(template.kind, error.errors, 422)
    return attachment(
        rendered,
        filename=f"proefversie-{template.kind}-v{template.version}.docx",
        content_type=documents.DOCX_TYPE,
    )


@blueprint.post("/versies/<int:template_id>/activeren")
@requires(Permission.MANAGE_TEMPLATES)
def activate(template_id: int) -> ResponseReturnValue:
    with unit_of_work() as session:
        template = document_templates.activate(
            session, current_actor(), template_id, now=clock.now()
        )
    flash(f"Versie {template.version} is nu het actieve sjabloon.", "success")
    return redirect(url_for("document_templates.kind", kind=template.kind))
