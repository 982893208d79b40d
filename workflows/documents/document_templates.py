"""Template versions: the built-in ones from ``templates_docs/``, and versions a beheerder
uploads, checks, test-renders with the demo data and then activates (docs/architecture.md §6).
Uploading and checking a new version is ``template_uploads``.

A version, once stored, never changes: documents record which version made them. Exactly one
version per kind is active. The built-in template becomes version 1 of its kind the first
time a kind is used, so a document made from it records a stored, hashable template too.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from storage import documents as store
from storage.documents import DocumentTemplate
from storage.files import FileStore
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules.document_fields import CATALOGUES, KIND_LABELS
from workflows.rules.roles import Permission

BUILTIN_DIRECTORY = Path(__file__).resolve().parents[2] / "templates_docs"


def builtin_content(kind: str) -> bytes:
    return (BUILTIN_DIRECTORY / f"{kind}.docx").read_bytes()


def active(session: Session, files: FileStore, kind: str) -> tuple[DocumentTemplate, bytes]:
    """The active version of a kind and its bytes, read once for the whole render."""
    if kind not in CATALOGUES:
        raise InvalidInput({"kind": f"Documentsoort '{kind[:40]}' bestaat niet."})
    template = store.active_template(session, kind)
    if template is None:
        template = store_builtin(session, files, kind)
    return template, files.read(template.file_key)


def store_builtin(session: Session, files: FileStore, kind: str) -> DocumentTemplate:
    content = builtin_content(kind)
    stored = files.put(content)
    template = DocumentTemplate(
        kind=kind,
        version=store.next_template_version(session, kind),
        status="active",
        origin="builtin",
        file_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        original_name=f"{kind}.docx",
        note="Meegeleverd sjabloon van Besluitwerk.",
        report={},
    )
    session.add(template)
    session.flush()
    return template


def ensure_all(session: Session, files: FileStore) -> None:
    for kind in CATALOGUES:
        if store.active_template(session, kind) is None:
            store_builtin(session, files, kind)


def activate(
    session: Session, actor: Actor, template_id: int, *, now: datetime
) -> DocumentTemplate:
    actor.require(Permission.MANAGE_TEMPLATES)
    template = session.get(DocumentTemplate, template_id)
    if template is None:
        raise NotFound("Deze sjabloonversie bestaat niet.")
    if template.status == "active":
        return template
    previous = store.active_template(session, template.kind)
    if previous is not None:
        previous.status = "retired"
        session.flush()
    template.status = "active"
    template.activated_by_id = actor.user_id
    template.activated_at = now
    session.flush()
    audit.record(
        session,
        actor,
        action="activate",
        object_type="document_template",
        object_id=template.id,
        old_values={"active_version": previous.version if previous else None},
        new_values={"active_version": template.version, "kind": template.kind},
    )
    return template


def versions(session: Session, actor: Actor, kind: str) -> list[DocumentTemplate]:
    actor.require(Permission.MANAGE_TEMPLATES)
    if kind not in CATALOGUES:
        raise NotFound("Deze documentsoort bestaat niet.")
    return list(store.templates_of(session, kind))


def get(session: Session, actor: Actor, template_id: int) -> DocumentTemplate:
    actor.require(Permission.MANAGE_TEMPLATES)
    template = session.get(DocumentTemplate, template_id)
    if template is None:
        raise NotFound("Deze sjabloonversie bestaat niet.")
    return template


def label(kind: str) -> str:
    return KIND_LABELS[kind]
