"""Bulk document work as background jobs with progress (docs/architecture.md §6: conversion never
runs
inside a web request for bulk work).

A job row is queued in the request's own transaction and picked up by a worker thread of the
web process or by the scheduler process, whichever claims it first: claiming is one UPDATE
that only succeeds while the job is still queued, so two workers never run the same job. The
job runs as the person who asked for it, with their permissions. Progress is committed as it
goes, so the page can show a progress bar. A double submit of the form carries the same
request key and finds the job already queued (S29).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from storage import documents as store
from storage.accounts import User
from storage.documents import DocumentJob
from storage.files import FileStore
from workflows.accounts import accounts
from workflows.actors import Actor
from workflows.documents import document_bundles, documents
from workflows.errors import Forbidden, InvalidInput, NotFound, WorkflowError
from workflows.registers import agreements, arrangements, mandates
from workflows.rules.roles import Permission


def _earlier(session: Session, actor: Actor, request_key: str) -> DocumentJob | None:
    """The job a double submit of the same form already queued (S29)."""
    if not request_key or len(request_key) > 64:
        raise InvalidInput(
            {"request_key": "Het formulier mist zijn sleutel; laad de pagina opnieuw."}
        )
    existing = store.job_by_request_key(session, request_key)
    if existing is not None and existing.requested_by_id != actor.user_id:
        raise InvalidInput({"request_key": "Deze sleutel is al gebruikt."})
    return existing


def _queue(
    session: Session,
    actor: Actor,
    action: str,
    *,
    title: str,
    parameters: dict[str, Any],
    total: int,
    request_key: str,
    now: datetime,
) -> DocumentJob:
    job = DocumentJob(
        action=action,
        title=title[:400],
        parameters=parameters,
        status="queued",
        total=total,
        done_count=0,
        request_key=request_key,
        requested_by_id=actor.user_id,
        requested_by_label=actor.label,
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def request(
    session: Session,
    actor: Actor,
    action: str,
    subject_id: int,
    *,
    request_key: str,
    now: datetime,
    bundle: str = "",
) -> DocumentJob:
    """Queues a job after checking, now, that the actor may do it and the subject exists."""
    actor.require(Permission.GENERATE_DOCUMENTS)
    existing = _earlier(session, actor, request_key)
    if existing is not None:
        return existing
    if action == "volmachten":
        mandate = mandates.get_visible(session, actor, subject_id)
        title = f"Alle volmachten van '{mandate.title}' maken, met PDF en bundel"
        total = len(mandate.grants) + 2
        parameters: dict[str, Any] = {"mandate_id": mandate.id}
    elif action == "overeenkomsten":
        rows = agreements.list_visible(session, actor, arrangement_id=subject_id)
        if not rows:
            raise InvalidInput({"subject_id": "Deze regeling heeft geen overeenkomsten."})
        title = f"Alle {len(rows)} overeenkomsten van {rows[0].arrangement.name} maken, met PDF"
        total = len(rows) + 1
        parameters = {"arrangement_id": subject_id}
    elif action == "bundle":
        planned = document_bundles.plan(session, actor, bundle, subject_id)
        title = f"{planned.title} samenstellen"
        total = len(planned.items) + 1
        parameters = {"name": bundle, "subject_id": subject_id}
    else:
        raise InvalidInput({"action": "Onbekende opdracht."})
    return _queue(
        session,
        actor,
        action,
        title=title,
        parameters=parameters,
        total=total,
        request_key=request_key,
        now=now,
    )


def request_documents_bundle(
    session: Session,
    actor: Actor,
    document_ids: list[int],
    *,
    request_key: str,
    now: datetime,
) -> DocumentJob:
    """Queues a bundle of chosen documents, after checking each is visible to the actor and
    that they share one subject."""
    actor.require(Permission.GENERATE_DOCUMENTS)
    existing = _earlier(session, actor, request_key)
    if existing is not None:
        return existing
    chosen = document_bundles.chosen_documents(session, actor, document_ids)
    return _queue(
        session,
        actor,
        "bundle_documents",
        title=f"Bundel van {len(chosen)} documenten samenstellen",
        parameters={"document_ids": [d.id for d in chosen]},
        total=2,
        request_key=request_key,
        now=now,
    )


def get(session: Session, actor: Actor, job_id: int) -> DocumentJob:
    # Only the person who asked, and only while they still see what it is about: a job's
    # title names its subject, and a dossier may have been made secret since (S12).
    job = store.get_job(session, job_id)
    if (
        job is None
        or job.requested_by_id != actor.user_id
        or not _subject_visible(session, actor, job)
    ):
        raise NotFound("Deze opdracht bestaat niet.")
    return job


def _subject_visible(session: Session, actor: Actor, job: DocumentJob) -> bool:
    parameters = job.parameters
    try:
        if job.action == "volmachten":
            mandates.get_visible(session, actor, int(parameters["mandate_id"]))
        elif job.action == "overeenkomsten":
            arrangements.visible(session, actor, int(parameters["arrangement_id"]))
        elif job.action == "bundle":
            subject_type = document_bundles.BUNDLE_SUBJECTS[str(parameters["name"])]
            documents.subject(session, actor, subject_type, int(parameters["subject_id"]))
        # A bundle of chosen documents is titled by their number only.
    except (NotFound, Forbidden, InvalidInput, KeyError, ValueError):
        return False
    return True


def run_pending(
    sessions: sessionmaker[Session], files: FileStore, *, now: Callable[[], datetime]
) -> int:
    """Runs every queued job this process can claim; returns how many it ran."""
    with sessions() as session:
        queued = list(store.queued_jobs(session))
    ran = 0
    for job_id in queued:
        if run(sessions, files, job_id, now=now):
            ran += 1
    return ran


def run(
    sessions: sessionmaker[Session],
    files: FileStore,
    job_id: int,
    *,
    now: Callable[[], datetime],
) -> bool:
    with sessions.begin() as session:
        claimed = session.execute(
            update(DocumentJob)
            .where(DocumentJob.id == job_id, DocumentJob.status == "queued")
            .values(status="running", started_at=now())
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return False
    try:
        result = _execute(sessions, files, job_id, now=now)
        with sessions.begin() as session:
            job = session.get(DocumentJob, job_id)
            assert job is not None
            job.status = "done"
            job.done_count = job.total
            job.result = result
            job.finished_at = now()
    except WorkflowError as error:
        _fail(sessions, job_id, error.message, now())
    except Exception:
        _fail(
            sessions,
            job_id,
            "Er ging iets mis bij het maken van de documenten. Wat al klaar was, is bewaard; "
            "probeer het opnieuw of meld het bij de beheerder.",
            now(),
        )
        raise
    return True


def _fail(sessions: sessionmaker[Session], job_id: int, message: str, at: datetime) -> None:
    with sessions.begin() as session:
        session.execute(
            update(DocumentJob)
            .where(DocumentJob.id == job_id)
            .values(status="failed", error=message, finished_at=at)
        )


def _actor(session: Session, job: DocumentJob) -> Actor:
    user = session.get(User, job.requested_by_id) if job.requested_by_id is not None else None
    if user is None or not user.active:
        raise NotFound("De aanvrager van deze opdracht bestaat niet meer of is geblokkeerd.")
    return accounts.actor_for(user, f"opdracht {job.id}")


Step = tuple[str, str, int, int | None]


def _execute(
    sessions: sessionmaker[Session],
    files: FileStore,
    job_id: int,
    *,
    now: Callable[[], datetime],
) -> dict[str, Any]:
    """Each document is made in a transaction of its own and soffice runs outside any
    transaction: on SQLite every transaction holds the write lock, and a conversion of
    several seconds must not make every other request wait."""
    with sessions.begin() as session:
        job = session.get(DocumentJob, job_id)
        assert job is not None
        actor = _actor(session, job)
        action, parameters = job.action, dict(job.parameters)
        steps = _steps(session, actor, action, parameters)
        total = len(steps) + (2 if action != "overeenkomsten" else 1)
        job.total = total
    if action == "bundle_documents":
        chosen = [int(i) for i in parameters["document_ids"]]
        documents.convert_missing(sessions, files, chosen)
        with sessions.begin() as session:
            _progress(session, job_id, 1)
            bundle = document_bundles.make_from_documents(session, files, actor, chosen, now=now())
            return {"document_ids": chosen, "bundle_id": bundle.id}
    made: list[int] = []
    for number, (kind, subject_type, subject_id, party_id) in enumerate(steps, start=1):
        with sessions.begin() as session:
            document = documents.generate(
                session, files, actor, kind, subject_type, subject_id, party_id=party_id, now=now()
            )
            made.append(document.id)
            _progress(session, job_id, number)
    documents.convert_missing(sessions, files, made)
    with sessions.begin() as session:
        _progress(session, job_id, len(steps) + 1)
    result: dict[str, Any] = {"document_ids": made}
    if action == "overeenkomsten":
        return result
    name = "volmachten" if action == "volmachten" else str(parameters["name"])
    subject_id = int(parameters.get("mandate_id") or parameters["subject_id"])
    with sessions.begin() as session:
        bundle = document_bundles.make_named(session, files, actor, name, subject_id, now=now())
        result["bundle_id"] = bundle.id
    return result


def _progress(session: Session, job_id: int, done: int) -> None:
    session.execute(update(DocumentJob).where(DocumentJob.id == job_id).values(done_count=done))


def _steps(session: Session, actor: Actor, action: str, parameters: dict[str, Any]) -> list[Step]:
    if action == "volmachten":
        mandate = mandates.get_visible(session, actor, int(parameters["mandate_id"]))
        return [
            ("volmacht", "mandate", mandate.id, grant.grantor_id)
            for grant in sorted(mandate.grants, key=lambda g: g.grantor.name)
        ]
    if action == "overeenkomsten":
        rows = agreements.list_visible(
            session, actor, arrangement_id=int(parameters["arrangement_id"])
        )
        return [("inkoopovereenkomst", "agreement", agreement.id, None) for agreement in rows]
    if action == "bundle_documents":
        return []  # the chosen documents exist already; _execute only bundles them
    planned = document_bundles.plan(
        session, actor, str(parameters["name"]), int(parameters["subject_id"])
    )
    return [(kind, subject_type, i, party) for kind, subject_type, i, party, _ in planned.items]
