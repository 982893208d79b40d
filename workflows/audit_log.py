"""The audit log as the auditor reads it: filtered by object, actor and period, exported, and
checked for tampering (SECURITY.md S24, S25)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import audit as store
from storage.audit import AuditEvent
from workflows.actors import Actor
from workflows.rules.reminders import AMSTERDAM
from workflows.rules.roles import Permission

LIMIT = 2_000


def search(
    session: Session,
    actor: Actor,
    *,
    object_type: str = "",
    who: str = "",
    start: date | None = None,
    end: date | None = None,
    limit: int = LIMIT,
) -> Sequence[AuditEvent]:
    actor.require(Permission.VIEW_AUDIT_LOG)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if who:
        query = query.where(AuditEvent.actor_label.contains(who))
    if start is not None:
        query = query.where(
            AuditEvent.at >= datetime.combine(start, time(), AMSTERDAM).astimezone(UTC)
        )
    if end is not None:
        until = datetime.combine(end + timedelta(days=1), time(), AMSTERDAM).astimezone(UTC)
        query = query.where(AuditEvent.at < until)
    return session.scalars(query).all()


def object_types(session: Session, actor: Actor) -> list[str]:
    actor.require(Permission.VIEW_AUDIT_LOG)
    return sorted(set(session.scalars(select(AuditEvent.object_type).distinct())))


def verify(session: Session) -> store.ChainCheck:
    return store.verify_chain(session)
