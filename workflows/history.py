"""The history of a register entry, read from the audit log: who changed what, when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import audit as audit_store
from storage.audit import AuditEvent
from workflows import agreements, arrangements, mandates
from workflows.actors import Actor

ACTION_LABELS = {
    "create": "aangemaakt",
    "update": "gewijzigd",
    "delete": "verwijderd",
    "export": "geëxporteerd",
    "new_version": "aangemaakt als nieuwe versie",
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    subject: str
    changes: list[tuple[str, Any, Any]]


def _entries(events: Sequence[AuditEvent], labels: dict[str, str], subject: str) -> list[Entry]:
    result = []
    for event in events:
        old, new = event.old_values or {}, event.new_values or {}
        keys = [k for k in new if k != "version"]
        result.append(
            Entry(
                at=event.at,
                actor=event.actor_label,
                action=ACTION_LABELS.get(event.action, event.action),
                subject=subject,
                changes=[(labels.get(k, k), old.get(k), new.get(k)) for k in keys],
            )
        )
    return result


def of_arrangement(session: Session, actor: Actor, arrangement_id: int) -> list[Entry]:
    arrangement = arrangements.visible(session, actor, arrangement_id)
    entries = _entries(
        audit_store.events_for(session, "arrangement", arrangement.id),
        arrangements.LABELS,
        "regeling",
    )
    for phase in arrangement.phases:
        entries += _entries(audit_store.events_for(session, "phase", phase.id), {}, phase.name)
    return sorted(entries, key=lambda e: e.at)


def of_mandate(session: Session, actor: Actor, mandate_id: int) -> list[Entry]:
    mandate = mandates.get_visible(session, actor, mandate_id)
    labels = {
        **mandates.LABELS,
        "grantor_ids": "Volmachtgevers",
        "predecessor_id": "Nieuwe versie van (nummer)",
    }
    entries = _entries(audit_store.events_for(session, "mandate", mandate.id), labels, mandate.kind)
    grant_labels = {n: r.label for n, r in mandates.GRANT_FIELDS.items()}
    for grant in mandate.grants:
        entries += _entries(
            audit_store.events_for(session, "mandate_grant", grant.id),
            grant_labels,
            f"besluit {grant.grantor.name}",
        )
    return sorted(entries, key=lambda e: e.at)


def of_agreement(session: Session, actor: Actor, agreement_id: int) -> list[Entry]:
    agreement = agreements.get_visible(session, actor, agreement_id)
    labels = {**agreements.LABELS, "status": "Status"}
    return _entries(
        audit_store.events_for(session, "agreement", agreement.id), labels, "overeenkomst"
    )
