"""The append-only audit log (SECURITY.md S24). The database itself refuses UPDATE and DELETE
on this table: see the triggers in the first migration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime, utc_now

RESULTS = ("success", "denied", "failed")


class AuditEvent(Base):
    __tablename__ = "audit_events"

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
    event = AuditEvent(
        at=at or utc_now(),
        actor_id=actor_id,
        actor_label=actor_label[:300],
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        origin=origin[:100],
        old_values=old_values,
        new_values=new_values,
    )
    session.add(event)
    session.flush()
    return event


def events_for(session: Session, object_type: str, object_id: str | int) -> Sequence[AuditEvent]:
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)
    ).all()
