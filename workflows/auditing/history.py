"""The history of a register entry, read from the audit log: who changed what, when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage import audit as audit_store
from storage.audit import AuditEvent
from workflows.actors import Actor
from workflows.auditing import audit_words
from workflows.registers import agreements, arrangements, mandates


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    subject: str
    changes: list[audit_words.Change]


def _entries(session: Session, events: Sequence[AuditEvent], subject: str) -> list[Entry]:
    names = audit_words.organisation_names(session)
    result = []
    for event in events:
        described = audit_words.describe(event, names, subject=subject)
        result.append(
            Entry(event.at, event.actor_label, described.action, subject, described.changes)
        )
    return result


def of_arrangement(session: Session, actor: Actor, arrangement_id: int) -> list[Entry]:
    arrangement = arrangements.visible(session, actor, arrangement_id)
    entries = _entries(
        session, audit_store.events_for(session, "arrangement", arrangement.id), "regeling"
    )
    for phase in arrangement.phases:
        entries += _entries(session, audit_store.events_for(session, "phase", phase.id), phase.name)
    return sorted(entries, key=lambda e: e.at)


def of_mandate(session: Session, actor: Actor, mandate_id: int) -> list[Entry]:
    mandate = mandates.get_visible(session, actor, mandate_id)
    entries = _entries(
        session, audit_store.events_for(session, "mandate", mandate.id), mandate.kind
    )
    for grant in mandate.grants:
        entries += _entries(
            session,
            audit_store.events_for(session, "mandate_grant", grant.id),
            f"besluit {grant.grantor.name}",
        )
    return sorted(entries, key=lambda e: e.at)


def of_agreement(session: Session, actor: Actor, agreement_id: int) -> list[Entry]:
    agreement = agreements.get_visible(session, actor, agreement_id)
    return _entries(
        session, audit_store.events_for(session, "agreement", agreement.id), "overeenkomst"
    )
