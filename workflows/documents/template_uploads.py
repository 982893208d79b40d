"""A new template version from a beheerder: checked (docs/security.md S2–S5, S7), test-rendered
with the longest accepted values and with sample values from the registers, and stored as a
candidate that ``document_templates.activate`` may later put in use.

Kept apart from ``document_templates`` because the sample values are made by the document
engine itself (``document_samples`` → ``documents``), which needs ``document_templates`` to find
the active version: one module for both would be a cycle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import documents as store
from storage.documents import DocumentTemplate
from storage.files import FileStore
from workflows import audit
from workflows.actors import Actor
from workflows.documents import document_samples, document_templates
from workflows.documents.engine import template_checks
from workflows.errors import InvalidInput
from workflows.rules.document_fields import CATALOGUES
from workflows.rules.roles import Permission


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
        document_templates.store_builtin(session, files, kind)
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
    return document_samples.context(session, kind, now=now)


def test_render(content: bytes, kind: str, context: dict[str, Any]) -> bytes:
    """Renders a stored version with sample values in a child process with time and memory
    limits, so that a template built to exhaust the worker only ends the child."""
    try:
        return template_checks.render_sample(content, kind, context)
    except template_checks.TemplateRefused as refused:
        raise InvalidInput({"file": " ".join(refused.problems)}) from refused
