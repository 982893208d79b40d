"""The append-only audit log (SECURITY.md S24). The database itself refuses UPDATE and DELETE
on this table: see the triggers in the first migration."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage import locks
from storage.base import Base, UTCDateTime, utc_now

RESULTS = ("success", "denied", "failed")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_hash", "hash", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50), index=True)
    object_id: Mapped[str | None] = mapped_column(String(50))
    result: Mapped[str] = mapped_column(String(10))
    origin: Mapped[str] = mapped_column(String(100))
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Tamper evidence (SECURITY.md S25): each event carries the hash of the one before it.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


GENESIS = "0" * 64


def digest(event: AuditEvent, prev_hash: str) -> str:
    """SHA-256 over the previous hash and the event's content in a canonical form."""
    content = {
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "result": event.result,
        "origin": event.origin,
        "old_values": event.old_values,
        "new_values": event.new_values,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def _last_hash(session: Session) -> str:
    locks.hold(session, locks.AUDIT_CHAIN)  # one writer at a time extends the chain
    last = session.scalars(
        select(AuditEvent.hash)
        .where(AuditEvent.hash.is_not(None))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    return last or GENESIS


def add_event(
    session: Session,
    *,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str | int | None,
    result: str,
    origin: str,
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    if at is not None and at.tzinfo is None:
        raise ValueError("naive datetime given where an aware UTC datetime is required")
    moment = (at or utc_now()).astimezone(UTC)
    event = AuditEvent(
        # Microseconds survive every database; the hash is over what is stored.
        at=moment,
        actor_id=actor_id,
        actor_label=actor_label[:300],
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        origin=origin[:100],
        old_values=_canonical(old_values),
        new_values=_canonical(new_values),
    )
    session.flush()  # earlier events of this transaction first
    event.prev_hash = _last_hash(session)
    event.hash = digest(event, event.prev_hash)
    session.add(event)
    session.flush()
    return event


def _canonical(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """As the JSON column gives it back, so that the hash can be recomputed from the row."""
    return None if values is None else json.loads(json.dumps(values, default=str))


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    broken_id: int | None
    unchained: int


def verify_chain(session: Session, *, batch: int = 5_000) -> ChainCheck:
    """Recompute the chain in order; the first event whose hash or link does not match is
    where someone changed or removed history."""
    previous = GENESIS
    checked = unchained = 0
    last_id = 0
    while True:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            return ChainCheck(checked, None, unchained)
        for event in events:
            last_id = event.id
            if event.hash is None:
                unchained += 1  # written before the chain existed
                continue
            checked += 1
            if event.prev_hash != previous or digest(event, previous) != event.hash:
                return ChainCheck(checked, event.id, unchained)
            previous = event.hash
        session.expunge_all()


def events_for(session: Session, object_type: str, object_id: str | int) -> Sequence[AuditEvent]:
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)
    ).all()
