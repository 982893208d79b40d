"""Template versions: the built-in ones from ``templates_docs/``, and versions a beheerder
uploads, checks, test-renders with the demo data and then activates (docs/architecture.md §6).

A version, once stored, never changes: documents record which version made them. Exactly one
version per kind is active. The built-in template becomes version 1 of its kind the first
time a kind is used, so a document made from it records a stored, hashable template too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from storage import documents as store
from storage.documents import DocumentTemplate
from storage.files import FileStore
from workflows import audit, template_checks
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules.document_fields import CATALOGUES, KIND_LABELS
from workflows.rules.roles import Permission

BUILTIN_DIRECTORY = Path(__file__).resolve().parents[1] / "templates_docs"


def builtin_content(kind: str) -> bytes:
    return (BUILTIN_DIRECTORY / f"{kind}.docx").read_bytes()


def active(session: Session, files: FileStore, kind: str) -> tuple[DocumentTemplate, bytes]:
    """The active version of a kind and its bytes, read once for the whole render."""
    if kind not in CATALOGUES:
        raise InvalidInput({"kind": f"Documentsoort '{kind[:40]}' bestaat niet."})
    template = store.active_template(session, kind)
    if template is None:
        template = _store_builtin(session, files, kind)
    return template, files.read(template.file_key)


def _store_builtin(session: Session, files: FileStore, kind: str) -> DocumentTemplate:
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
            _store_builtin(session, files, kind)


@dataclass(frozen=True)
class CheckResult:
    template: DocumentTemplate
    fields_used: list[str]
    missing_fields: list[str]
    preview: bytes


def upload(
    session: Session,
    files: FileStore,
    actor: Actor,
    kind: str,
    content: bytes,
    *,
    original_name: str,
    note: str,
    now: datetime,
    before_check: Callable[[], None] = lambda: None,
) -> CheckResult:
    """Checks an uploaded version (S2–S5, S7) and test-renders it with the longest values and
    with the sample values; only a version that passes is stored, as a candidate. All that reads
    the template's code runs in a child process with limits (``template_checks``).

    ``before_check`` runs once the database has been read and before that child starts: the
    web layer ends its transaction there, since on SQLite a transaction holds the write lock
    and the whole app would wait for a check of seconds (S30)."""
    actor.require(Permission.MANAGE_TEMPLATES)
    if kind not in CATALOGUES:
        raise InvalidInput({"kind": f"Documentsoort '{kind[:40]}' bestaat niet."})
    sample = sample_context(session, kind, now=now)
    before_check()
    try:
        report = template_checks.check_template(content, kind, sample=sample)
    except template_checks.TemplateRefused as refused:
        audit.record(
            session,
            actor,
            action="upload",
            object_type="document_template",
            object_id=kind,
            result="refused",
            new_values={"problems": refused.problems},
        )
        raise InvalidInput({"file": " ".join(refused.problems)}) from refused
    assert report.preview is not None
    if store.active_template(session, kind) is None:
        # The built-in template is version 1 of its kind; an upload always comes after it.
        _store_builtin(session, files, kind)
    stored = files.put(content)
    template = DocumentTemplate(
        kind=kind,
        version=store.next_template_version(session, kind),
        status="candidate",
        origin="upload",
        file_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        original_name=original_name[:200],
        note=note[:2000],
        report={"fields_used": report.fields_used, "missing_fields": report.missing_fields},
        uploaded_by_id=actor.user_id,
        uploaded_at=now,
    )
    session.add(template)
    session.flush()
    audit.record(
        session,
        actor,
        action="upload",
        object_type="document_template",
        object_id=template.id,
        new_values={"kind": kind, "version": template.version, "sha256": stored.sha256},
    )
    return CheckResult(template, report.fields_used, report.missing_fields, report.preview)


def sample_context(session: Session, kind: str, *, now: datetime) -> dict[str, Any]:
    """The values of the first subject of this kind in the registers (the demo data on a demo
    installation), or, on an empty installation, each field's description as its value."""
    # Imported here: document_samples uses documents, which uses this module.
    from workflows import document_samples

    return document_samples.context(session, kind, now=now)


def test_render(content: bytes, kind: str, context: dict[str, Any]) -> bytes:
    """Renders a stored version with sample values in a child process with time and memory
    limits, so that a template built to exhaust the worker only ends the child."""
    try:
        return template_checks.render_sample(content, kind, context)
    except template_checks.TemplateRefused as refused:
        raise InvalidInput({"file": " ".join(refused.problems)}) from refused


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
